"""`pytake secrets`: the keys of the stored secrets (PYTAKE_SECRET_KEY and its rotation)."""

import asyncio

import typer

from pytake.bootstrap import migrate
from pytake.cli.settings import load_settings
from pytake.core.db import Database
from pytake.core.secrets import secret_box
from pytake.numbers.tokens import reencrypt_tokens

secrets_app = typer.Typer(help="Manage the encryption of stored secrets.", no_args_is_help=True)


@secrets_app.command("rotate")
def rotate() -> None:
    """Re-encrypt every stored access token with the first key of PYTAKE_SECRET_KEY.

    Put the new key first and keep the old ones after it (new,old) until this has run;
    then the old keys can go.
    """
    settings = load_settings()

    async def run() -> int:
        db = Database(settings.database_url)
        try:
            secrets = secret_box(settings)
            await migrate(db, secrets=secrets)
            async with db.transaction() as session:
                return await reencrypt_tokens(session, secrets)
        finally:
            await db.dispose()

    count = asyncio.run(run())
    typer.echo(f"re-encrypted {count} access tokens with the first key of PYTAKE_SECRET_KEY")
