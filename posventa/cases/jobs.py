"""The worker's jobs for cases."""

from posventa.cases.watch import attention_watch


def watch_attention() -> dict:
    return attention_watch()
