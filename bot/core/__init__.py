"""The foundation: the settings read from the environment (`settings`; read and their errors
told by `settings_loading`), the clinic's clock (`clock`), logging that never writes a
secret or a patient's words (`logs`, `redaction`).

Everything else in `bot` may import it.

Imports: `db` (only `db.settings`, the database URL the migrations read too); nothing of the
bot."""
