"""The local-disk download link (``/files/<token>``): the embedded default's stand-in for a presigned URL."""

from django.http import FileResponse, Http404, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agency.documents import storage


@require_GET
def file_download(request, token: str):
    """Serve the file a signed, unexpired token names, as an attachment; nothing else under MEDIA_ROOT."""
    if storage.s3_mode():
        raise Http404  # files live in S3; its links are presigned URLs
    try:
        path, filename = storage.local_link_open(token)
    except storage.LinkExpired:
        return HttpResponseForbidden(_("Срок действия ссылки истёк."), content_type="text/plain; charset=utf-8")
    except (storage.LinkInvalid, storage.StorageKeyError):
        return HttpResponseForbidden(_("Ссылка недействительна."), content_type="text/plain; charset=utf-8")
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type=storage.content_type_for(filename))
    response["Content-Disposition"] = storage.content_disposition(filename)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
