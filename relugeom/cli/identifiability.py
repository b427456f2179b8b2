"""Placeholder for ``relugeom identifiability``; replaced by the real command."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    sub = subparsers.add_parser("identifiability", help="(not built yet)")
    sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError("identifiability")
