"""The rules of the CRM: what may be created, read and changed, by whom. No web code here."""
