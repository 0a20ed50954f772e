"""The worker's jobs for cases."""

from posventa.cases.watch import attention_watch, orphan_watch


def watch_attention() -> dict:
    return attention_watch()


def watch_orphans() -> dict:
    return orphan_watch()
