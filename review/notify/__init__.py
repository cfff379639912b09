"""Notifications: mail as a transport handed finished messages, and the daily reminders."""
