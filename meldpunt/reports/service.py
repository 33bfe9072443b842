"""Reports: the council report's life cycle, the published (suppressed) figures, the ondermijningsbeeld
and the quarterly results for every employee. Keyword-only arguments, plain values, the caller's session.

Figures come from ``meldpunt.reports.figures`` (metadata only); anything published goes through
``meldpunt.reports.suppression``. Audit entries are written by the views (``meldpunt.audit.requests.audit_event``).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.cases.models import CaseIntervention, CaseSignal
from meldpunt.database import utcnow
from meldpunt.i18n import N_
from meldpunt.intake.models import SubjectIdentifier
from meldpunt.signals.models import Signal, Track
from meldpunt.meetings.models import DECISION_LABELS, Decision
from meldpunt.reports import figures
from meldpunt.reports.figures import Filters, Period
from meldpunt.reports.models import THEMES, CouncilReport, Rag, ReportState, ReportTheme, ResultExample
from meldpunt.reports.suppression import TOTAL, Table, protect
from meldpunt.taxonomy.models import TaxonomyTerm

S = Signal.__table__
MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december"]


class ReportError(ValueError):
    """A refused change, with a Dutch message safe to show."""


def labels(session: Session) -> dict[str, dict[str, str]]:
    """Taxonomy kind -> {code: label}; unknown codes show their code, NULL shows "Onbekend"."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for kind, code, label in session.execute(select(TaxonomyTerm.kind, TaxonomyTerm.code, TaxonomyTerm.label)):
        out[kind][code] = label
    out["track"] = {Track.REGULAR.value: N_("Regulier"), Track.INTEGRITY.value: N_("Integriteit")}
    return out


def label_for(names: dict[str, str], code: str) -> str:
    return names.get(code, code) if code else N_("Onbekend")


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTHS_NL[int(month) - 1]} {year}"


def period_label(period: Period) -> str:
    from datetime import timedelta

    last = period.end - timedelta(days=1)
    return f"{period.start.day} {MONTHS_NL[period.start.month - 1]} {period.start.year} t/m " \
           f"{last.day} {MONTHS_NL[last.month - 1]} {last.year}"


def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return Period(start, end)


# ------------------------------------------------------------------------------ published tables


def _matrix(cross: dict[tuple[str, str], int], row_keys: list[str], column_keys: list[str]) -> list[list[int]]:
    return [[cross.get((r, c), 0) for c in column_keys] for r in row_keys]


def _keys(cross: dict[tuple[str, str], int], axis: int, names: dict[str, str]) -> list[str]:
    """Codes seen in the data plus every known code, in label order (unknown last)."""
    codes = set(names) | {key[axis] for key in cross}
    return sorted(codes, key=lambda code: (code == "", label_for(names, code).lower()))


def council_figures(session: Session, *, period: Period, k: int, previous: dict | None = None,
                    also_hide: dict[str, list] | None = None, working_days: int = 5,
                    track: str = Track.REGULAR.value) -> dict:
    """The council report's figures as published: aggregates over one track, suppressed. The
    integrity track has no casusoverleg, so its report has no decisions table.

    ``previous``: the previous period's published snapshot; its totals are copied as they were
    published (never recomputed). ``also_hide``: per table key, cells an earlier version hid.
    """
    figures.tune_for_aggregates(session)
    names = labels(session)
    filters = Filters(track=track)
    months = period.months()
    month = figures.month_key(session, S.c.created_at)
    also_hide = also_hide or {}
    tables: dict[str, dict] = {}

    def add(key: str, title: str, dim: str, column) -> Table:
        cross = figures.cross_counts(session, period=period, filters=filters, rows=column, columns=month)
        rows = _keys(cross, 0, names.get(dim, {}))
        table = Table(title, [label_for(names.get(dim, {}), r) for r in rows], [month_label(m) for m in months],
                      _matrix(cross, rows, months))
        protect(table, k=k, also_hide=[tuple(cell) for cell in also_hide.get(key, [])])
        tables[key] = table.published(k)
        return table

    phenomena = add("phenomenon", "Meldingen per verschijningsvorm en maand", "phenomenon", S.c.phenomenon_code)
    add("process", "Meldingen per werkproces en maand", "process", S.c.process_code)

    # Decisions of the casusoverleg by kind and month of the decision (regular track only).
    if track == Track.REGULAR.value:
        tables["decisions"] = _decisions_table(session, period=period, months=months, k=k, also_hide=also_hide)

    # Lead times and the first-feedback term: statistics over n signals, shown only when n >= k.
    times = figures.lead_times(session, period=period, filters=filters)
    lead = [{"label": figures.LEAD_TIMES[name][0],
             "count": str(t.count) if t.count >= k else f"< {k}",
             "median": _days(t.median_days) if t.count >= k else "–",
             "p90": _days(t.p90_days) if t.count >= k else "–"} for name, t in times.items()]
    wanted, in_time = figures.feedback_in_time(session, period=period, filters=filters, working_days=working_days)
    feedback = {"wanted": str(wanted) if wanted >= k else f"< {k}",
                "share": f"{round(100 * in_time / wanted)}%" if wanted >= k else "–"}

    # Trend: the previous period's totals exactly as published then, beside this period's.
    previous_totals = {}
    if previous:
        for row in previous.get("tables", {}).get("phenomenon", {}).get("rows", []):
            previous_totals[row["label"]] = row["total"]
    trend = [{"label": label, "previous": previous_totals.get(label, "–"),
              "current": phenomena.shown((r, TOTAL), k)} for r, label in enumerate(phenomena.row_labels)]
    return {"period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                       "label": period_label(period)},
            "k": k, "track": "regulier", "tables": tables, "lead_times": lead, "feedback": feedback,
            "trend": trend, "previous_label": previous["period"]["label"] if previous else None}


def _days(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}".replace(".", ",") + " dagen"


# ------------------------------------------------------------------------------ the council report


def _decisions_table(session: Session, *, period: Period, months: list[str], k: int, also_hide: dict) -> dict:
    decisions_t = Decision.__table__
    decided_month = figures.month_key(session, decisions_t.c.decided_at)
    decided = {(kind, m): int(n) for kind, m, n in session.execute(
        select(decisions_t.c.kind, decided_month, func.count()).where(
            decisions_t.c.decided_at >= period.start_at, decisions_t.c.decided_at < period.end_at).group_by(decisions_t.c.kind, decided_month))}
    kinds = [kind.value for kind in DECISION_LABELS]
    decisions = Table("Besluiten van het casusoverleg per soort en maand", [DECISION_LABELS[kd] for kd in DECISION_LABELS],
                      [month_label(m) for m in months], _matrix(decided, kinds, months))
    protect(decisions, k=k, also_hide=[tuple(cell) for cell in also_hide.get("decisions", [])])
    return decisions.published(k)


def report_period(report: CouncilReport) -> Period:
    return Period(report.period_start, report.period_end)


def previous_published(session: Session, *, period: Period, track: str = Track.REGULAR.value) -> CouncilReport | None:
    """The latest approved version of the ``track``'s report for the period just before ``period``."""
    before = period.previous()
    return session.scalar(select(CouncilReport).where(
        CouncilReport.period_start == before.start, CouncilReport.period_end == before.end,
        CouncilReport.track == track,
        CouncilReport.state == ReportState.APPROVED.value).order_by(CouncilReport.version.desc()).limit(1))


def create_draft(session: Session, *, author_id: int, period: Period, track: str = Track.REGULAR.value) -> CouncilReport:
    if period.end <= period.start:
        raise ReportError(gettext("De einddatum moet na de begindatum liggen."))
    if (period.end - period.start).days > 366:
        raise ReportError(gettext("Een rapportage gaat over hoogstens een jaar."))
    existing = session.scalar(select(func.max(CouncilReport.version)).where(
        CouncilReport.period_start == period.start, CouncilReport.period_end == period.end,
        CouncilReport.track == track))
    if existing:
        raise ReportError(gettext("Voor deze periode is er al een rapportage. Maak daar zo nodig een correctie van."))
    report = CouncilReport(period_start=period.start, period_end=period.end, version=1, author_id=author_id,
                           track=track, state=ReportState.DRAFT.value)
    session.add(report)
    session.flush()
    return report


def save_themes(session: Session, *, report: CouncilReport, values: dict[str, tuple[str, str]]) -> None:
    """Set RAG and explanation per theme (a draft only). ``values``: theme -> (rag, explanation)."""
    _require_draft(report)
    current = {theme.theme: theme for theme in report.themes}
    for key, (rag, explanation) in values.items():
        if key not in THEMES:
            raise ReportError(gettext("Onbekend thema."))
        if rag not in {r.value for r in Rag}:
            raise ReportError(gettext("Kies een kleur voor ‘%(title)s’.", title=gettext(THEMES[key])))
        if not explanation.strip():
            raise ReportError(gettext("Schrijf een toelichting bij ‘%(title)s’.", title=gettext(THEMES[key])))
        if key in current:
            current[key].rag, current[key].explanation = rag, explanation.strip()
        else:
            report.themes.append(ReportTheme(theme=key, rag=rag, explanation=explanation.strip()))
    session.flush()


def _require_draft(report: CouncilReport) -> None:
    if report.is_approved:
        raise ReportError(gettext("Deze rapportage is vastgesteld en verandert niet meer. Maak een correctie als nieuwe versie."))


def approve(session: Session, *, report: CouncilReport, approver_id: int, k: int) -> None:
    """Four-eyes: another person than the author approves; the published figures are frozen as JSON."""
    _require_draft(report)
    if approver_id == report.author_id:
        raise ReportError(gettext("U heeft deze rapportage zelf gemaakt. Een ander moet haar vaststellen."))
    missing = [label for key, label in THEMES.items() if key not in {t.theme for t in report.themes}]
    if missing:
        raise ReportError("Eerst moet de opsteller bij elk thema een kleur en toelichting geven: " + ", ".join(missing) + ".")
    report.snapshot = json.dumps(snapshot_for(session, report=report, k=k), ensure_ascii=False, sort_keys=True)
    report.state = ReportState.APPROVED.value
    report.approved_by_id = approver_id
    report.approved_at = utcnow()
    session.flush()


def snapshot_for(session: Session, *, report: CouncilReport, k: int) -> dict:
    """What the report publishes now: the figures (suppressed) and the themes."""
    period = report_period(report)
    before = previous_published(session, period=period, track=report.track)
    also_hide: dict[str, list] = {}
    if report.supersedes_id:
        earlier = session.get(CouncilReport, report.supersedes_id)
        if earlier is not None and earlier.snapshot:
            for key, table in json.loads(earlier.snapshot)["tables"].items():
                also_hide[key] = [cell for cell, _kind in table["hidden"]]
    data = council_figures(session, period=period, k=k, previous=json.loads(before.snapshot) if before else None,
                           also_hide=also_hide, track=report.track)
    data["track"] = report.track
    data["themes"] = [{"key": t.theme, "title": THEMES[t.theme], "rag": t.rag, "rag_label": Rag(t.rag).label,
                       "explanation": t.explanation} for t in sorted(report.themes, key=lambda t: list(THEMES).index(t.theme))]
    data["version"] = report.version
    return data


def correct(session: Session, *, report: CouncilReport, author_id: int) -> CouncilReport:
    """A correction: a new draft version of the same period; the approved version stays as it is."""
    if not report.is_approved:
        raise ReportError(gettext("Een concept kunt u zelf nog aanpassen; een correctie is voor een vastgestelde rapportage."))
    latest = session.scalar(select(func.max(CouncilReport.version)).where(
        CouncilReport.period_start == report.period_start, CouncilReport.period_end == report.period_end,
        CouncilReport.track == report.track)) or 1
    if latest != report.version:
        raise ReportError(gettext("Er is al een nieuwere versie van deze rapportage."))
    new = CouncilReport(period_start=report.period_start, period_end=report.period_end, version=latest + 1,
                        author_id=author_id, track=report.track, supersedes_id=report.id, state=ReportState.DRAFT.value)
    new.themes = [ReportTheme(theme=t.theme, rag=t.rag, explanation=t.explanation) for t in report.themes]
    session.add(new)
    session.flush()
    return new


def report_data(session: Session, *, report: CouncilReport, k: int) -> dict:
    """The approved report's frozen snapshot, or a draft's preview computed now."""
    if report.snapshot:
        return json.loads(report.snapshot)
    return snapshot_for(session, report=report, k=k)


def report_csv(data: dict) -> str:
    """The published figures as CSV (semicolons, as Dutch spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Raadsrapportage", data["period"]["label"], f"versie {data.get('version', 1)}"])
    for table in data["tables"].values():
        writer.writerow([])
        writer.writerow([table["title"]])
        writer.writerow(["", *table["columns"], "Totaal"])
        for row in table["rows"]:
            writer.writerow([row["label"], *row["cells"], row["total"]])
        if table["totals"]:
            writer.writerow(["Totaal", *table["totals"]["cells"], table["totals"]["total"]])
    writer.writerow([])
    writer.writerow(["Doorlooptijd", "Aantal", "Mediaan", "90e percentiel"])
    for lead in data["lead_times"]:
        writer.writerow([lead["label"], lead["count"], lead["median"], lead["p90"]])
    writer.writerow([])
    writer.writerow(["Thema", "Kleur", "Toelichting"])
    for theme in data.get("themes", []):
        writer.writerow([theme["title"], theme["rag"], theme["explanation"]])
    return out.getvalue()


# ------------------------------------------------------------------------------ ondermijningsbeeld


def undermining_picture(session: Session, *, period: Period, k: int) -> dict:
    """Cross-signal picture for the regisseur and the RIEC, suppressed like the council report.

    Recurring subjects are counted by their blind-index digest (``subject_identifiers``): how many
    distinct identifiers occur in 2, 3–4 or 5+ signals of the period. Counts only, never a value.
    """
    figures.tune_for_aggregates(session)
    names = labels(session)
    filters = Filters()
    tables: dict[str, dict] = {}

    cross = figures.cross_counts(session, period=period, filters=filters, rows=S.c.phenomenon_code,
                                 columns=S.c.process_code)
    rows, cols = _keys(cross, 0, names["phenomenon"]), _keys(cross, 1, names["process"])
    matrix = Table("Verschijningsvorm per werkproces", [label_for(names["phenomenon"], r) for r in rows],
                   [label_for(names["process"], c) for c in cols], _matrix(cross, rows, cols))
    tables["matrix"] = protect(matrix, k=k).published(k)

    quarter = figures.quarter_key(session, S.c.created_at)
    cross = figures.cross_counts(session, period=period, filters=filters, rows=S.c.phenomenon_code, columns=quarter)
    quarters = sorted({c for _r, c in cross} | set(_quarters(period)))
    rows = _keys(cross, 0, names["phenomenon"])
    trend = Table("Meldingen per verschijningsvorm per kwartaal", [label_for(names["phenomenon"], r) for r in rows],
                  quarters, _matrix(cross, rows, quarters))
    tables["trend"] = protect(trend, k=k).published(k)

    counts = {(code or ""): int(n) for code, n in session.execute(select(S.c.location_type_code, func.count()).where(
        *figures.period_where(period, filters)).group_by(S.c.location_type_code)).all()}
    codes = sorted(set(names["location_type"]) | set(counts), key=lambda c: (c == "", c))
    locations = Table("Meldingen per soort locatie", [label_for(names["location_type"], c) for c in codes],
                      ["Meldingen"], [[counts.get(c, 0)] for c in codes],
                      row_totals=False)
    tables["locations"] = protect(locations, k=k).published(k)

    # Areas (gebieden): the four digits of the postcode the reporter gave (PC4); a melding without one is
    # counted as "onbekend". Suppressed like every other table: a small area never shows a small count.
    per_area = {(code or ""): int(n) for code, n in session.execute(select(S.c.area_code, func.count()).where(
        *figures.period_where(period, filters)).group_by(S.c.area_code)).all()}
    areas = sorted(per_area, key=lambda c: (c == "", c))
    tables["areas"] = protect(Table("Meldingen per postcodegebied (4 cijfers)",
                                    [code or "Onbekend" for code in areas], ["Meldingen"],
                                    [[per_area[c]] for c in areas], row_totals=False), k=k).published(k)

    tables["recurring"] = protect(_recurring(session, period=period), k=k).published(k)
    return {"period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                       "label": period_label(period)}, "k": k, "tables": tables}


def _quarters(period: Period) -> list[str]:
    return sorted({f"{m[:4]}-K{(int(m[5:]) + 2) // 3}" for m in period.months()})


RECURRENCE_BANDS = [("2 meldingen", 2, 2), ("3 of 4 meldingen", 3, 4), ("5 of meer meldingen", 5, 10**9)]
SUBJECT_KIND_LABELS = {"persoon": "Personen", "bedrijf": "Bedrijven", "adres": "Adressen", "voertuig": "Voertuigen",
                       "kvk": "KvK-nummers", "postcode": "Postcodes", "kenteken": "Kentekens", "naam": "Namen"}


def _recurring(session: Session, *, period: Period) -> Table:
    """Identifiers (by digest) that occur in several signals received in the period, per kind."""
    ids = SubjectIdentifier.__table__
    per_digest = (select(ids.c.kind, ids.c.digest, func.count(distinct(ids.c.signal_id)).label("signals"))
                  .join(S, S.c.id == ids.c.signal_id)
                  .where(S.c.created_at >= period.start_at, S.c.created_at < period.end_at)
                  .group_by(ids.c.kind, ids.c.digest).subquery())
    found: dict[tuple[str, str], int] = defaultdict(int)
    kinds: set[str] = set()
    for kind, signals, number in session.execute(select(per_digest.c.kind, per_digest.c.signals, func.count())
                                                 .where(per_digest.c.signals >= 2)
                                                 .group_by(per_digest.c.kind, per_digest.c.signals)):
        kinds.add(kind)
        for label, low, high in RECURRENCE_BANDS:
            if low <= signals <= high:
                found[(kind, label)] += int(number)
    kinds_sorted = sorted(kinds)
    return Table("Terugkerende betrokkenen: aantal kenmerken dat in meerdere meldingen voorkomt",
                 [SUBJECT_KIND_LABELS.get(kind, kind) for kind in kinds_sorted], [b[0] for b in RECURRENCE_BANDS],
                 [[found[(kind, band[0])] for band in RECURRENCE_BANDS] for kind in kinds_sorted])


# ------------------------------------------------------------------------------ what we do with your signals


@dataclass(frozen=True)
class QuarterResult:
    quarter: str
    received: str  # shown text, suppressed below k
    intervention_share: str  # e.g. "40%", "–" when too few
    examples: list[str]


def quarterly_results(session: Session, *, today: date, k: int, quarters: int = 4) -> list[QuarterResult]:
    """The last ``quarters`` whole quarters: meldingen received (regular track), share that led to an
    intervention (linked to a casus with at least one interventie), approved examples."""
    out = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(quarters):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        period = quarter_period(year, quarter)
        where = [S.c.created_at >= period.start_at, S.c.created_at < period.end_at,
                 S.c.track == Track.REGULAR.value]
        received = session.scalar(select(func.count()).select_from(S).where(*where)) or 0
        with_intervention = session.scalar(
            select(func.count(distinct(S.c.id))).select_from(S)
            .join(CaseSignal, CaseSignal.signal_id == S.c.id)
            .join(CaseIntervention, CaseIntervention.case_id == CaseSignal.case_id).where(*where)) or 0
        key = f"{year}-K{quarter}"
        examples = list(session.scalars(select(ResultExample.text).where(
            ResultExample.quarter == key, ResultExample.approved_by_id.is_not(None)).order_by(ResultExample.id)))
        show_share = received >= k and with_intervention >= k and received - with_intervention >= k
        out.append(QuarterResult(
            quarter=f"{quarter}e kwartaal {year}", received=str(received) if received >= k else f"< {k}",
            intervention_share=f"{round(100 * with_intervention / received)}%" if show_share else "–",
            examples=examples))
    return out


def add_example(session: Session, *, author_id: int, quarter: str, text: str) -> ResultExample:
    if not text.strip():
        raise ReportError(gettext("Schrijf het voorbeeld."))
    example = ResultExample(quarter=quarter, text=text.strip(), author_id=author_id)
    session.add(example)
    session.flush()
    return example


def approve_example(session: Session, *, example: ResultExample, approver_id: int) -> None:
    if example.author_id == approver_id:
        raise ReportError(gettext("Een ander dan de schrijver moet het voorbeeld goedkeuren."))
    if example.approved_by_id is not None:
        raise ReportError(gettext("Dit voorbeeld is al goedgekeurd."))
    example.approved_by_id = approver_id
    example.approved_at = utcnow()
    session.flush()


def pending_examples(session: Session) -> list[ResultExample]:
    return list(session.scalars(select(ResultExample).where(ResultExample.approved_by_id.is_(None))
                                .order_by(ResultExample.id)))

