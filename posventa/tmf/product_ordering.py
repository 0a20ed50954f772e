"""Facade under construction (docs/tmf.md)."""

from ninja import Router

router = Router()
