"""The bare endpoint bench/appeals_create.py measures the platform against (issue 16): what a new
Django project with django-ninja does to file one appeal, and nothing more."""
