"""The clinic bot: application, configuration, content and sending."""
