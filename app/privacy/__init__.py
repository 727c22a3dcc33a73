"""The privacy promise (GDPR): export (Art. 15/20), erasure (Art. 17), consent, retention."""
