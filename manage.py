#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # The checkout's .env (make run writes DEBUG=1 there; a deployment keeps its settings there, as
    # deploy/crontab sources it), so that a command pasted from the README runs with the same settings
    # as the site. Variables already in the environment win. MINSHENG_ENV_FILE names another file.
    from minsheng.env import load_env_file

    load_env_file(os.environ.get("MINSHENG_ENV_FILE") or Path(__file__).resolve().parent / ".env")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
