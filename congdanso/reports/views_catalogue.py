"""Back office for what agency and city admins configure: the questions each category asks and the reply
templates officers start from. Agency admins manage their agency's categories; city admins all of them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from congdanso.accounts.access import staff_required
from congdanso.core.errors import DomainError
from congdanso.reports import catalogue, services
from congdanso.reports.forms_catalogue import DATATYPE_LABELS, CategoryQuestionForm, ReplyTemplateForm
from congdanso.reports.models import CategoryAttribute, ResponseTemplate


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff with the second factor who administer at least one agency, or the city."""
    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not catalogue.can_manage_catalogue(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _found(queryset: Any, pk: int) -> Model:
    """A row the user manages; another agency's is answered as not found (its existence is not revealed)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@never_cache
@admin_required
def questions(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("category", "")
    rows = catalogue.questions_for(request.user)
    if chosen:
        rows = rows.filter(category__code=chosen)
    found = list(rows)
    for question in found:
        question.type_label = DATATYPE_LABELS.get(question.datatype, question.datatype)  # type: ignore[attr-defined]
    return render(request, "reports/catalogue_questions.html", {
        "questions": found, "categories": catalogue.manageable_categories(request.user), "chosen": chosen,
    })


def _form_page(request: HttpRequest, form: Any, save: Callable[..., Any], done: Callable[[Any], tuple[str, str]],
               context: dict[str, Any]) -> HttpResponse:
    """A catalogue row's add/edit page: saved through ``save`` (a service), then ``done(saved)`` gives the message
    and the list to go back to; refused input is shown again with a 400."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = save(form.save(commit=False), actor=request.user, request=request)
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                message, back = done(saved)
                messages.success(request, message)
                return redirect(back)
        status = 400
    return render(request, "reports/catalogue_form.html", {"form": form, **context}, status=status)


def _delete_page(request: HttpRequest, row: Any, delete: Callable[..., None], *, name: str, back: str,
                 title: str, done: str) -> HttpResponse:
    if request.method == "POST":
        delete(row, actor=request.user, request=request)
        messages.success(request, done)
        return redirect(back)
    return render(request, "reports/catalogue_delete.html", {"object": row, "name": name, "back": back,
                                                              "title": title})


def _question_form(request: HttpRequest, question: CategoryAttribute | None) -> HttpResponse:
    categories = catalogue.manageable_categories(request.user)
    initial = {}
    if question is None and request.GET.get("category"):
        initial["category"] = categories.filter(code=request.GET["category"]).first()
    form = CategoryQuestionForm(request.POST or None, instance=question, categories=categories, initial=initial)

    def done(saved: CategoryAttribute) -> tuple[str, str]:
        return (_("Đã lưu câu hỏi “%(q)s”.") % {"q": saved.description},
                f"{reverse('reports_staff:questions')}?category={saved.category.code}")

    return _form_page(request, form, services.save_category_question, done, {
                          "object": question, "kind": "question", "back": "reports_staff:questions",
                          "title": _("Sửa câu hỏi") if question else _("Thêm câu hỏi cho lĩnh vực")})


@never_cache
@admin_required
def question_add(request: HttpRequest) -> HttpResponse:
    return _question_form(request, None)


@never_cache
@admin_required
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _question_form(request, _found(catalogue.questions_for(request.user), pk))  # type: ignore[arg-type]


@never_cache
@admin_required
def question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    question: Any = _found(catalogue.questions_for(request.user), pk)
    return _delete_page(request, question, services.delete_category_question, name=question.description,
                        back="reports_staff:questions", title=_("Xoá câu hỏi"), done=_("Đã xoá câu hỏi."))


@never_cache
@admin_required
def templates(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/catalogue_templates.html", {
        "templates": catalogue.templates_for(request.user),
        "is_city_admin": catalogue.administered_agency_ids(request.user) is None,
    })


def _template_form(request: HttpRequest, template: ResponseTemplate | None) -> HttpResponse:
    form = ReplyTemplateForm(request.POST or None, instance=template,
                             categories=catalogue.manageable_categories(request.user),
                             all_categories=catalogue.administered_agency_ids(request.user) is None)
    return _form_page(request, form, services.save_reply_template,
                      lambda saved: (_("Đã lưu mẫu trả lời."), reverse("reports_staff:templates")), {
                          "object": template, "kind": "template", "back": "reports_staff:templates",
                          "title": _("Sửa mẫu trả lời") if template else _("Thêm mẫu trả lời")})


@never_cache
@admin_required
def template_add(request: HttpRequest) -> HttpResponse:
    return _template_form(request, None)


@never_cache
@admin_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_form(request, _found(catalogue.templates_for(request.user), pk))  # type: ignore[arg-type]


@never_cache
@admin_required
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template: Any = _found(catalogue.templates_for(request.user), pk)
    return _delete_page(request, template, services.delete_reply_template, name=template.title,
                        back="reports_staff:templates", title=_("Xoá mẫu trả lời"), done=_("Đã xoá mẫu trả lời."))
