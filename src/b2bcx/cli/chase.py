"""``b2bcx chase``: whom to hear from next."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from b2bcx.cli.common import (
    emit_document,
    load_inputs,
    note,
    refuse_output_over_inputs,
    reported,
    working,
)
from b2bcx.cli.options import (
    AccountsOption,
    ConfigOption,
    ExportsArgument,
    Format,
    FormatOption,
    OutputOption,
    SheetOption,
    WideOption,
)

ContactsOption = Annotated[
    Path | None,
    typer.Option(
        "--contacts",
        help="The CRM contact list (columns named by the config's `contacts:`).",
        metavar="FILE",
    ),
]


def chase(
    exports: ExportsArgument,
    config: ConfigOption,
    accounts: AccountsOption = None,
    contacts: ContactsOption = None,
    output: OutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
    wide: WideOption = False,
) -> None:
    """Accounts to hear from next: not heard by revenue, then by what one more answer adds.

    With --contacts, the contacts who did not answer, decision makers first.

    Example: b2bcx chase examples/acme_2026q3.csv -c examples/acme.yaml --accounts examples/crm_accounts.csv
    """
    with reported():
        from b2bcx.api.load import load_contacts, load_master
        from b2bcx.api.outreach import chase as chase_list

        refuse_output_over_inputs(output, [*exports, config, accounts, contacts])
        with working("Ranking accounts to chase…"):
            cfg, export = load_inputs(exports, config, sheet, output, accounts)
            master = load_master(cfg, accounts)
            listed, warnings = (
                load_contacts(cfg, contacts) if contacts is not None else (None, [])
            )
            result = chase_list(
                export, cfg, master=master, contacts=listed, contact_warnings=warnings
            )
        _emit(result, output, fmt, wide, contacts is not None)


def chase_payload(result: Any) -> dict[str, Any]:
    """The JSON of a chase result: summary, account records, contact records."""
    from b2bcx.io.writers import json_records

    return {
        "summary": result.summary,
        "accounts": json_records(result.accounts),
        "contacts": json_records(result.contacts),
        "warnings": [p.as_dict() for p in result.problems],
    }


def _emit(
    result: Any, output: Path | None, fmt: Format, wide: bool, with_contacts: bool
) -> None:
    """As every command with several tables; with ``--contacts`` a table output
    gets the contacts beside it (``FILE_contacts.ext``) and CSV shows them."""
    from b2bcx.cli.render.analyses import render_chase
    from b2bcx.io.writers import write_table

    table = result.contacts if with_contacts and output is None else result.accounts
    emit_document(
        chase_payload(result),
        table,
        output,
        fmt,
        lambda console: render_chase(console, result, wide=wide),
        sheet="Chase",
    )
    if output is not None and with_contacts and output.suffix.lower() != ".json":
        contacts = output.with_name(f"{output.stem}_contacts{output.suffix}")
        write_table(result.contacts, contacts, sheet="Contacts")
        note(f"wrote {contacts}")
