"""The privacy notice a resident agrees to before the first sign-in registers them (PIPL art. 13-17):
its version here, its text in accounts/templates/accounts/privacy.html. Change the version whenever the
text changes what is collected, why, who sees it or how long it is kept."""

PRIVACY_NOTICE_VERSION = "2026-11-30"
