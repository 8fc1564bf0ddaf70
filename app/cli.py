"""The ``ordertrack`` command line (a stable contract: see DESIGN.md "The command line").

Commands live in ``app/commands/<group>.py`` and register themselves. User errors print one
line on stderr and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from services.domain import AppError, ValidationError

from .commands import register_all
from .commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError, Parser


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of every command."""
    parser = Parser(prog="ordertrack", description="Order Tracking: every order, every channel, one timeline.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    register_all(sub)
    parser.set_defaults(commands=frozenset(sub.choices))
    return parser


def _with_default_command(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``ordertrack [--web ...]`` without a command means ``ordertrack run [--web ...]``."""
    commands = parser.get_default("commands")
    if any(a in ("-h", "--help") for a in argv):
        return argv
    words = [a for a in argv if not a.startswith("-")]
    if words and words[0] in commands:
        return argv
    flags = [a for a in argv if a not in ("-v", "--verbose")]
    verbose = [a for a in argv if a in ("-v", "--verbose")]
    return [*verbose, "run", *flags]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(_with_default_command(parser, argv))
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        code: int = args.func(args)
        return code
    except CliError as err:
        print(f"ordertrack: {err}", file=sys.stderr)
        return err.code
    except ValidationError as err:
        print(f"ordertrack: {err.message}", file=sys.stderr)
        return EXIT_USAGE
    except AppError as err:
        print(f"ordertrack: {err.title}: {err.message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
