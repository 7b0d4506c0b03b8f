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


def _question_form(request: HttpRequest, question: CategoryAttribute | None) -> HttpResponse:
    categories = catalogue.manageable_categories(request.user)
    initial = {}
    if question is None and request.GET.get("category"):
        initial["category"] = categories.filter(code=request.GET["category"]).first()
    form = CategoryQuestionForm(request.POST or None, instance=question, categories=categories, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_category_question(form.save(commit=False), actor=request.user,
                                                        request=request)
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã lưu câu hỏi “%(q)s”.") % {"q": saved.description})
                return redirect(f"{reverse('reports_staff:questions')}?category={saved.category.code}")
        status = 400
    return render(request, "reports/catalogue_form.html", {
        "form": form, "object": question, "kind": "question", "back": "reports_staff:questions",
        "title": _("Sửa câu hỏi") if question else _("Thêm câu hỏi cho lĩnh vực"),
    }, status=status)


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
    question = _found(catalogue.questions_for(request.user), pk)
    if request.method == "POST":
        services.delete_category_question(question, actor=request.user, request=request)  # type: ignore[arg-type]
        messages.success(request, _("Đã xoá câu hỏi."))
        return redirect("reports_staff:questions")
    return render(request, "reports/catalogue_delete.html", {
        "object": question, "name": question.description, "back": "reports_staff:questions",  # type: ignore[attr-defined]
        "title": _("Xoá câu hỏi"),
    })


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
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_reply_template(form.save(commit=False), actor=request.user, request=request)
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã lưu mẫu trả lời."))
                return redirect("reports_staff:templates")
        status = 400
    return render(request, "reports/catalogue_form.html", {
        "form": form, "object": template, "kind": "template", "back": "reports_staff:templates",
        "title": _("Sửa mẫu trả lời") if template else _("Thêm mẫu trả lời"),
    }, status=status)


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
    template = _found(catalogue.templates_for(request.user), pk)
    if request.method == "POST":
        services.delete_reply_template(template, actor=request.user, request=request)  # type: ignore[arg-type]
        messages.success(request, _("Đã xoá mẫu trả lời."))
        return redirect("reports_staff:templates")
    return render(request, "reports/catalogue_delete.html", {
        "object": template, "name": template.title, "back": "reports_staff:templates",  # type: ignore[attr-defined]
        "title": _("Xoá mẫu trả lời"),
    })
