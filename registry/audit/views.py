"""Audit trail screens: browse and filter, one event with its changes, and CSV / JSON Lines exports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream, Template

from registry.accounts.permissions import Permission
from registry.accounts.web import page_info, page_links
from registry.audit import queries
from registry.audit.schemas import AuditFilter
from registry.dependencies import DbSession, Paging
from registry.errors import InvalidParam, ValidationFailed
from registry.templating import page

AUDIT = {"permission": Permission.AUDIT_LEZEN}
EXPORT_MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/jsonl; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """The filter as given in the query string: parsed, with its errors and the values as typed."""

    audit_filter: AuditFilter
    errors: dict[str, list[str]]
    values: dict[str, str]

    @property
    def query_string(self) -> str:
        kept = urlencode({key: value for key, value in self.values.items() if value})
        return f"?{kept}" if kept else ""


def _date(raw: str, name: str, errors: dict[str, list[str]]) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[name] = ["Vul een datum in als jjjj-mm-dd, bijvoorbeeld 2026-11-23."]
        return None


def provide_audit_query(
    actor: Annotated[str, QueryParameter(name="actor", max_length=200)] = "",
    action: Annotated[str, QueryParameter(name="actie", max_length=80)] = "",
    entity_type: Annotated[str, QueryParameter(name="type", max_length=60)] = "",
    entity_id: Annotated[str, QueryParameter(name="entiteit", max_length=64)] = "",
    date_from: Annotated[str, QueryParameter(name="van", max_length=10)] = "",
    date_to: Annotated[str, QueryParameter(name="tot", max_length=10)] = "",
) -> AuditQuery:
    errors: dict[str, list[str]] = {}
    audit_filter = AuditFilter(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        date_from=_date(date_from, "van", errors),
        date_to=_date(date_to, "tot", errors),
    )
    if audit_filter.date_from and audit_filter.date_to and audit_filter.date_from > audit_filter.date_to:
        errors["tot"] = ["De einddatum ligt vóór de begindatum."]
    values = {
        "actor": actor,
        "actie": action,
        "type": entity_type,
        "entiteit": entity_id,
        "van": date_from,
        "tot": date_to,
    }
    return AuditQuery(audit_filter=audit_filter, errors=errors, values=values)


AUDIT_QUERY = {"audit_query": Provide(provide_audit_query, sync_to_thread=False)}


@get("/beheer/audit", opt=AUDIT, dependencies=AUDIT_QUERY, include_in_schema=False)
async def event_list(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    paging: Paging,
    audit_query: NamedDependency[AuditQuery],
) -> Template:
    events, total = await queries.list_events(
        db_session, audit_query.audit_filter, offset=paging.offset, limit=paging.page_size
    )
    actions, entity_types = await queries.known_values(db_session)
    return page(
        request,
        "audit/events.html",
        {
            "events": events,
            "query": audit_query.values,
            "filtered": not audit_query.audit_filter.is_empty,
            "errors": audit_query.errors,
            "actions": actions,
            "entity_types": entity_types,
            "page": page_info(paging, total),
            "url_for_page": page_links(request),
            "export_query": audit_query.query_string,
        },
        status_code=400 if audit_query.errors else 200,
    )


@get("/beheer/audit/{seq:int}", opt=AUDIT, include_in_schema=False)
async def event_detail(
    request: Request[Any, Any, Any], seq: FromPath[int], db_session: DbSession
) -> Template:
    event = await queries.get_event(db_session, seq)
    return page(
        request, "audit/event.html", {"event": event, "changes": queries.field_changes(event.changes)}
    )


def _export(request: Request[Any, Any, Any], export_format: str, audit_query: AuditQuery) -> Stream:
    if audit_query.errors:
        raise ValidationFailed(
            [InvalidParam(name, reason) for name, reasons in audit_query.errors.items() for reason in reasons]
        )
    factory = request.app.state.db_sessionmaker
    audit_filter = audit_query.audit_filter

    async def lines() -> AsyncIterator[bytes]:
        # A session of its own: the request's session is closed when the handler returns, while
        # the export is still being streamed.
        async with factory() as session:
            async for line in queries.export_lines(session, audit_filter, export_format):
                yield line.encode("utf-8")

    return Stream(
        lines(),
        media_type=EXPORT_MEDIA_TYPES[export_format],
        headers={
            "Content-Disposition": f'attachment; filename="audittrail.{export_format}"',
            "Cache-Control": "no-store",
        },
    )


@get("/beheer/audit/export.csv", opt=AUDIT, dependencies=AUDIT_QUERY, include_in_schema=False)
async def export_csv(request: Request[Any, Any, Any], audit_query: NamedDependency[AuditQuery]) -> Stream:
    return _export(request, "csv", audit_query)


@get("/beheer/audit/export.jsonl", opt=AUDIT, dependencies=AUDIT_QUERY, include_in_schema=False)
async def export_jsonl(request: Request[Any, Any, Any], audit_query: NamedDependency[AuditQuery]) -> Stream:
    return _export(request, "jsonl", audit_query)


route_handlers = [event_list, event_detail, export_csv, export_jsonl]
