"""Channel registry: one module per channel; ``get(code)`` returns the channel object."""

from __future__ import annotations

from congdanso.notifications.channels.base import Channel, Outcome, Recipient

_channels: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    _channels[channel.code] = channel
    return channel


def get(code: str) -> Channel:
    if not _channels:
        load_builtin()
    return _channels[code]


def all_channels() -> dict[str, Channel]:
    if not _channels:
        load_builtin()
    return dict(_channels)


def load_builtin() -> None:
    from congdanso.notifications.channels import email, inbox, sms, webpush

    for module in (inbox, webpush, email, sms):
        register(module.CHANNEL)


__all__ = ["Channel", "Outcome", "Recipient", "all_channels", "get", "register"]
