"""``archiver keygen [--out PATH]``: make the Ed25519 key pair that signs run manifests.

Writes the private key to PATH (PEM, mode 0600; never over an existing file) and the public
key to PATH.pub, and prints the fingerprint and the setting that uses the key
(``ARCHIVER_SIGNING_KEY``). The WACZ signing spec wants ECDSA, so an ECDSA P-384 key for the
run's WACZ is written beside it (PATH.ecdsa, mode 0600). Keep the private keys off the
archive's disk if you can: anyone holding them can sign a manifest.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from archiver.cli import exit_codes
from archiver.evidence.signing import generate_key_pair, public_key_path
from archiver.evidence.wacz import ecdsa_key_path, generate_ecdsa_key

DEFAULT_KEY_PATH = "archiver-signing.key"


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("keygen", help="make the Ed25519 key pair that signs runs")
    parser.add_argument(
        "--out",
        metavar="PATH",
        default=DEFAULT_KEY_PATH,
        help=f"private key file (default {DEFAULT_KEY_PATH}); the public key goes to PATH.pub",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.out).expanduser()
    try:
        fingerprint = generate_key_pair(path)
        generate_ecdsa_key(ecdsa_key_path(path))
    except FileExistsError:
        sys.stderr.write(f"archiver keygen: {path} exists; not overwriting a key\n")
        return exit_codes.USAGE
    except OSError as error:
        sys.stderr.write(f"archiver keygen: cannot write {path}: {error}\n")
        return exit_codes.FAILED
    print(f"private key: {path} (mode 0600)")
    print(f"public key:  {public_key_path(path)}")
    print(f"fingerprint: {fingerprint}")
    print(f"WACZ key:    {ecdsa_key_path(path)} (ECDSA P-384, mode 0600: WACZ signing)")
    print(f"sign runs with: archiver crawl ... -s ARCHIVER_SIGNING_KEY={path.resolve()}")
    return exit_codes.OK
