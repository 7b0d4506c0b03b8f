"""Storage for files that must never be reachable by a URL of their own (documents of dossiers): a file-system
storage rooted outside ``MEDIA_ROOT`` and ``STATIC_ROOT`` whose ``url()`` refuses, so a template or a serializer
cannot leak a path. Such files are served only by a view that checks who asks (``dossiers.views.document``)."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class PrivateFileStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise NotImplementedError("private files have no URL: serve them through a view that checks who asks")
