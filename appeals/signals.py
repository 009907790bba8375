"""Signals other apps listen to, so that appeals never imports them (see STYLE: "The house").

``appeal_event_recorded`` is sent once per event, after the transaction that wrote it commits (a
rolled-back step sends nothing), with ``event`` (an AppealEvent). Receivers run outside that
transaction; one that fails is logged and never undoes or blocks the step.
"""

from django.dispatch import Signal

appeal_event_recorded = Signal()
