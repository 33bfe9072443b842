"""The reporter's pages: melden (named or anonymous), ontvangstcode, mijn meldingen, messages."""

from __future__ import annotations

import hashlib
import hmac
import io
import ipaddress
import re
import secrets
import uuid

from werkzeug.datastructures import MultiDict
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from meldpunt.audit.service import record_anonymous
from meldpunt.auth.forms import LogoutForm
from meldpunt.auth.sessions import SESSION_KEY as AUTH_SESSION_KEY
from meldpunt.extensions import db, limiter
from meldpunt.feedback.service import feedback_history
from meldpunt.i18n import N_, short_date, translator
from meldpunt.intake.attachments import TYPE_LABELS, AttachmentError, Upload, check_uploads, human_size
from meldpunt.intake.forms import (
    FEEDBACK_CHOICES_ANONYMOUS,
    FEEDBACK_CHOICES_NAMED,
    CloseReceiptForm,
    ReceiptForm,
    ReplyForm,
    SendDraftForm,
    SignalForm,
    choices,
)
from meldpunt.intake import drafts
from meldpunt.intake.messages import list_messages
from meldpunt.signals.models import Signal
from meldpunt.intake.receipts import (
    GRANT_ABSOLUTE,
    GRANT_IDLE,
    close_grant,
    display_token_for,
    find_signal_by_receipt,
    format_code,
    hold_code_for_display,
    open_grant,
    signal_for_grant,
    take_code_for_display,
)
from meldpunt.intake.service import (
    CERTAINTY_LABELS,
    DuplicateFilingError,
    FilesNotTakenError,
    IntakeError,
    ReportInput,
    SubjectInput,
    add_reporter_information,
    file_report,
    read_signal_content,
    signals_of_reporter,
)
from meldpunt.policy import Action, load_or_404, require
from meldpunt.taxonomy.models import TermKind
from meldpunt.taxonomy.service import active_terms, term_labels
from meldpunt.vault.service import current_keyring

bp = Blueprint("intake", __name__)

#: Session key of the receipt grant's random handle (the only thing the cookie carries about it).
RECEIPT_SESSION_KEY = "receipt_grant"
#: Session key of the single-use token that shows a new receipt code once (never the code itself).
DISPLAY_SESSION_KEY = "receipt_display"
#: Session key set after a form was filed: Back to the form shows "al verstuurd" instead of a fresh form
#: (a browser may refill a fresh form's fields, which would file the melding again). ``?nieuw=1`` clears it.
FILED_SESSION_KEY = "form_filed"
#: Session key of the random token of the form kept for "Controleer uw melding" (never its content).
DRAFT_SESSION_KEY = "intake_draft"
#: Whether the draft in the session came from the public form (``[app] public_form``).
DRAFT_PUBLIC_SESSION_KEY = "intake.draft_public"
_FILING_KEY_FORMAT = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
WRONG_CODE = _l("Deze code kennen wij niet. Controleer de code en probeer het opnieuw.")


def _settings():
    return current_app.extensions["meldpunt.settings"]


# ----------------------------------------------------------------------------- melden


def _term_choices(kind: TermKind, empty: str) -> tuple[list, dict[str, str]]:
    terms = active_terms(db.session, kind=kind)
    labels = {"": empty, **{t.code: t.label for t in terms}}
    # Seeded terms are in the catalog (meldpunt.taxonomy.seed); a term a beheerder added shows as stored.
    translate = translator()
    return choices(labels), {t.code: (translate(t.label), translate(t.help_text) if t.help_text else "")
                             for t in terms}


def _prepare(form: SignalForm, *, anonymous_only: bool, public: bool = False) -> dict:
    """Fill the choices; returns the extra template context (help texts per choice).

    ``public``: the anonymous form for inwoners and ondernemers (``[app] public_form``): no questions
    about the reporter's department or a colleague, wording for people outside the organisation."""
    form.phenomenon_code.choices, phenomenon_help = _term_choices(TermKind.PHENOMENON, N_("Weet ik niet"))
    form.process_code.choices, process_help = _term_choices(TermKind.PROCESS, N_("Weet ik niet"))
    form.location_type_code.choices, location_help = _term_choices(TermKind.LOCATION_TYPE, N_("Weet ik niet"))
    translate = translator()
    form.other_phenomena.choices = [(t.code, translate(t.label))
                                    for t in active_terms(db.session, kind=TermKind.PHENOMENON)]
    _prepare_department(form, anonymous_only=anonymous_only)
    if public:
        del form.department_code, form.about_colleague, form.approached, form.approach
    if anonymous_only:
        del form.contact
        form.feedback.choices = choices(FEEDBACK_CHOICES_ANONYMOUS)
    else:
        form.feedback.choices = choices(FEEDBACK_CHOICES_NAMED)
    if not form.feedback.data:
        form.feedback.data = next(iter(FEEDBACK_CHOICES_ANONYMOUS if anonymous_only else FEEDBACK_CHOICES_NAMED))
    if not _FILING_KEY_FORMAT.match(form.idempotency_key.data or ""):
        form.idempotency_key.data = secrets.token_urlsafe(32)  # a new form (or a mangled key): a fresh key
    uploads = _settings().uploads
    return {
        "anonymous_only": anonymous_only,
        "public": public,
        "logout_form": LogoutForm(formdata=None),
        "phenomenon_help": phenomenon_help,
        "process_help": process_help,
        "location_help": location_help,
        "upload_limits": {
            "max_files": uploads.max_files,
            "max_size": human_size(uploads.max_bytes),
            "types": ", ".join(_(TYPE_LABELS.get(t, t)) for t in uploads.allowed_types),
        },
    }


def _prepare_department(form: SignalForm, *, anonymous_only: bool) -> None:
    """"Ik werk bij …" starts from the account's department; the anonymous form asks it as an option."""
    departments, _help = _term_choices(TermKind.DEPARTMENT, N_("Zeg ik liever niet"))
    form.department_code.choices = departments
    if anonymous_only:
        form.department_code.label.text = _("Bij welke afdeling werkt u?")
        form.department_code.description = _("Dit helpt ons zien waar iets speelt. U hoeft het niet te zeggen.")
        return
    form.department_code.description = _("Zo staat het bij uw account. Werkt u ergens anders? Kies dan die afdeling.")
    if not form.is_submitted() and current_user.is_authenticated:
        from meldpunt.taxonomy.service import department_code_for

        form.department_code.data = department_code_for(db.session, text=current_user.department) or ""


def _report_from(form: SignalForm, *, anonymous: bool, public: bool = False) -> ReportInput:
    feedback = form.feedback.data or "nee"
    if public:
        return ReportInput(
            description=form.description.data or "", location=form.location.data,
            location_type_code=form.location_type_code.data or None, area_code=form.area_code.data or None,
            occurred_from=form.occurred_from.data,
            occurred_until=form.occurred_until.data, occurred_text=form.occurred_text.data,
            phenomenon_code=form.phenomenon_code.data or None, other_phenomena=list(form.other_phenomena.data or []),
            process_code=form.process_code.data or None, certainty=form.certainty.data or None,
            relation=form.relation.data or None, relation_text=form.relation_text.data,
            feels_unsafe=bool(form.feels_unsafe.data), wants_feedback=feedback != "nee",
            subjects=[SubjectInput(**dict(entry.data.items())) for entry in form.subjects],
            channel="publiek_formulier",
        )
    return ReportInput(
        description=form.description.data or "",
        location=form.location.data,
        location_type_code=form.location_type_code.data or None, area_code=form.area_code.data or None,
        occurred_from=form.occurred_from.data,
        occurred_until=form.occurred_until.data,
        occurred_text=form.occurred_text.data,
        phenomenon_code=form.phenomenon_code.data or None,
        other_phenomena=list(form.other_phenomena.data or []),
        process_code=form.process_code.data or None,
        department_code=form.department_code.data or None,
        approached_code=form.approached.data or None,
        approach_code=form.approach.data or None,
        certainty=form.certainty.data or None,
        relation=form.relation.data or None,
        relation_text=form.relation_text.data,
        feels_unsafe=bool(form.feels_unsafe.data),
        about_colleague=bool(form.about_colleague.data),
        wants_feedback=feedback != "nee",
        feedback_by_email=feedback == "email" and not anonymous,
        contact=None if anonymous or "contact" not in form else form.contact.data,
        subjects=[SubjectInput(**{k: v for k, v in entry.data.items()}) for entry in form.subjects],
    )


def _uploads(field: str = "attachments") -> list[Upload]:
    """Chosen files from the request (an empty file input sends a part without a name: skipped)."""
    return [Upload(filename=f.filename, stream=f.stream) for f in request.files.getlist(field) if f and f.filename]


def _field_for(form, name: str):
    """The form field an ``IntakeError`` belongs to (``subjects-0-kvk`` -> that sub-field)."""
    if name.startswith("subjects-"):
        _, index, sub = name.split("-", 2)
        return form.subjects[int(index)][sub]
    return form[name] if name in form else form.description


#: Messages that do not say which question they are about; the error summary names the question for them.
GENERIC_MESSAGES = ("Dit is te lang", "Kies een van de mogelijkheden", "Deze datum", "Vul een datum in", "Not a valid",
                    # the English catalog keeps these beginnings (meldpunt/translations/en)
                    "This is too long", "Choose one of the options", "This date", "Enter a date")


def summary_line(label: str, message: str, block: str = "") -> str:
    """One line of the error summary that reads well on its own.

    A message written for its field ("Beschrijf wat u heeft gezien of gehoord.") stands alone; a
    generic one gets the question in quotes ("„Hoe zeker bent u?”: Kies een van de mogelijkheden.");
    a field of a subject block starts with that block ("Betrokkene 2: …").
    """
    line = f"„{label.strip()}”: {message}" if message.startswith(GENERIC_MESSAGES) else message
    return f"{block}: {line}" if block else line


def error_list(form) -> list[tuple[str, str]]:
    """``(field id, summary line)`` for every error, also inside the subject blocks."""
    found: list[tuple[str, str]] = []

    def walk(fields, block: str) -> None:
        for f in fields:
            if f.type == "FieldList":
                for number, entry in enumerate(f, start=1):
                    walk(entry, _("Betrokkene %(number)s", number=number))
            elif f.type == "FormField":
                walk(f, block)
            elif f.type not in ("CSRFTokenField", "HiddenField"):
                found.extend((f.id, summary_line(str(f.label.text), str(message), block)) for message in f.errors)

    walk(form, "")
    return found


def _form_page(form: SignalForm, context: dict, status: int, *, refused: str | None = None):
    chosen = bool(_uploads()) or g.get("draft_files_dropped", False)
    files_lost = chosen and status in (422, 429) and not g.get("files_not_taken")
    return render_template(
        "intake/new.html", form=form, files_lost=files_lost, errors=error_list(form), refused=refused, **context
    ), status


def _handle_signal_form(form: SignalForm, *, anonymous_only: bool, public: bool = False):
    """The form never files (issue 22 item 4, "check your answers"): a valid POST keeps it server-side
    (encrypted, ``intake.drafts``) and answers 303 to "Controleer uw melding", whose POST sends it. An
    invalid POST answers 422 with the error summary and everything typed.

    The form's idempotency key travels with the draft: a second send of the same form (double click,
    Back and send again) files nothing and leads to the page of the first filing instead.
    """
    context = _prepare(form, anonymous_only=anonymous_only, public=public)
    if request.method == "GET" and request.args.get("concept"):
        draft = drafts.load_draft(db.session, token=session.get(DRAFT_SESSION_KEY))
        db.session.commit()
        if draft is not None:  # "wijzig": the form again, filled from the draft
            form = SignalForm(formdata=MultiDict(draft.fields))
            context = _prepare(form, anonymous_only=anonymous_only, public=public)
            context["draft_files"] = [name for name, _ in draft.files]
    if not form.validate_on_submit():
        return _form_page(form, context, 422 if form.is_submitted() else 200)
    refused = _refused_upload()
    if refused is not None:  # named on the form now, not after "Melding versturen"
        form.attachments.errors.append(refused)
        return _form_page(form, context, 422)
    return _save_for_checking(anonymous=anonymous_only, public=public, filing_key=form.idempotency_key.data)


def _refused_upload() -> str | None:
    """Why the chosen files would be refused when the melding is sent (count, name, type, size), or None."""
    try:
        check_uploads(uploads=_uploads(), settings=_settings().uploads)
    except AttachmentError as exc:
        return str(exc)
    return None


def _file_form(form: SignalForm, context: dict, *, anonymous: bool, draft_token: str, draft: drafts.Draft,
               public: bool = False):
    """Send the checked form. The draft was taken in this transaction (``drafts.take_draft``): a refusal
    rolls back and keeps it (without its files when they were refused); a form sent before (same
    idempotency key) deletes it."""
    reporter = None if anonymous else current_user._get_current_object()
    uploads = [Upload(filename=name, stream=io.BytesIO(content)) for name, content in draft.files]
    g.sent_files = bool(uploads)  # received and encrypted: a refusal still counts against the anonymous limit
    filing_key = form.idempotency_key.data or secrets.token_urlsafe(32)
    try:
        filed = file_report(
            db.session, keyring=current_keyring(), reporter=reporter, report=_report_from(form, anonymous=anonymous, public=public),
            uploads=uploads, upload_settings=_settings().uploads, filing_key=filing_key,
        )
    except DuplicateFilingError as exc:
        db.session.rollback()
        drafts.delete_draft(db.session, token=draft_token)  # this form was sent before: its copy goes
        db.session.commit()
        _forget_draft()
        g.duplicate_filing = True
        return _already_sent(exc.signal_id, filing_key=filing_key, anonymous=anonymous)
    except IntakeError as exc:
        db.session.rollback()  # the draft is kept: the form below is sent again through the check page
        g.files_not_taken = isinstance(exc, FilesNotTakenError)
        if exc.field == "attachments" and draft.files:  # refused files: the draft keeps the rest, not them
            drafts.save_draft(db.session, token=draft_token, draft=drafts.Draft(fields=draft.fields, files=[]))
            db.session.commit()
            g.draft_files_dropped = True
            context["draft_files"] = []
        _field_for(form, exc.field).errors.append(str(exc))
        return _form_page(form, context, 422)
    _forget_draft()  # sent: the draft and its files went with the filing's commit
    session[FILED_SESSION_KEY] = True
    reference = filed.signal.reference  # read before the commit expires the row: no SELECT after it
    if filed.receipt_code is None:
        db.session.commit()
        return redirect(url_for("intake.confirmation", reference=reference), 303)
    # Shown once, on the page this redirects to: the code waits encrypted under a single-use token in
    # the session cookie (never the code itself, never in a URL), and is deleted when shown.
    token = display_token_for(filing_key)
    hold_code_for_display(db.session, token=token, code=filed.receipt_code, reference=reference)
    db.session.commit()
    session[DISPLAY_SESSION_KEY] = token
    return redirect(url_for("intake.anonymous_confirmation"), 303)


def _forget_draft() -> None:
    session.pop(DRAFT_SESSION_KEY, None)
    session.pop(DRAFT_PUBLIC_SESSION_KEY, None)


def _save_for_checking(*, anonymous: bool, public: bool = False, filing_key: str):
    """Keep the form (and its files) server-side, encrypted; 303 to "Controleer uw melding".

    ``filing_key``: the form's idempotency key (a fresh one when the POST carried none), kept with the draft."""
    token = session.get(DRAFT_SESSION_KEY)
    earlier = drafts.load_draft(db.session, token=token) if token else None  # a first save has nothing earlier
    token = token or drafts.new_token()
    files = [(upload.filename, upload.stream.read()) for upload in _uploads()]
    if not files and earlier is not None:
        files = earlier.files  # no new choice: the files chosen before stay
    fields = [(k, v) for k, v in request.form.items(multi=True)
              if k not in ("csrf_token", "check", "submit", "idempotency_key")] + [("idempotency_key", filing_key)]
    drafts.save_draft(db.session, token=token, draft=drafts.Draft(fields=fields, files=files))
    db.session.commit()
    g.draft_saved = True  # not a filing: the anonymous filing limit does not count it
    session[DRAFT_SESSION_KEY] = token
    session[DRAFT_PUBLIC_SESSION_KEY] = public  # the public form's draft is sent as the public form
    return redirect(url_for("intake.check_anonymous" if anonymous else "intake.check_named"), 303)


def block_label(number: int, sub) -> str:
    """"Betrokkene 2: Naam": the question of a subject block's field on the check page."""
    return _("Betrokkene %(number)s: %(label)s", number=number, label=sub.label.text)


def check_rows(form: SignalForm) -> list[dict]:
    """What will be sent, read from the form's own fields (so a field added to the form shows up here too).

    Each row: the question, the answer as text, and the id of the field for the "wijzig" link.
    """
    rows: list[dict] = []

    def answer(field) -> str:
        if field.type == "BooleanField":
            return _("Ja") if field.data else _("Nee")
        if field.type in ("SelectField", "RadioField"):
            labels: dict[str, str] = {}
            for choice in field.choices or []:
                value, label = (choice.value, choice.label) if hasattr(choice, "value") else (choice[0], choice[1])
                labels[str(value)] = str(label)
            return labels.get(str(field.data or ""), "") if field.data else ""
        if field.type == "DutchDateField" or field.type == "DateField":
            return short_date(field.data)
        return str(field.data or "").strip()

    for field in form:
        if field.type in ("CSRFTokenField", "HiddenField", "SubmitField", "MultipleFileField", "FileField"):
            continue
        if field.type == "FieldList":
            for number, entry in enumerate(field, start=1):
                for sub in entry:
                    value = answer(sub)
                    if value and sub.type != "SelectField":
                        rows.append({"label": block_label(number, sub), "value": value, "id": sub.id})
                    elif value and any(answer(other) for other in entry if other.type != "SelectField"):
                        rows.append({"label": block_label(number, sub), "value": value, "id": sub.id})
            continue
        value = answer(field)
        rows.append({"label": str(field.label.text), "value": value or _("Niet ingevuld"), "id": field.id,
                     "empty": not value})
    return rows


def _check_page(*, anonymous: bool, refused: str | None = None):
    """GET: the form as it will be sent, with "wijzig" links. POST: send it (the only way a melding is filed).

    ``refused``: the anonymous filing limit said no; the page again with the reason (status 429), the draft kept.
    """
    token = session.get(DRAFT_SESSION_KEY)
    public = anonymous and bool(session.get(DRAFT_PUBLIC_SESSION_KEY)) and _settings().public_form
    form_endpoint = ("intake.new_public_signal" if public else "intake.new_anonymous_signal") if anonymous \
        else "intake.new_signal"
    send = SendDraftForm()
    sending = request.method == "POST" and refused is None
    if sending and not send.validate_on_submit():
        abort(400)
    # Sending takes the draft in the filing's own transaction (one DELETE … RETURNING); showing only reads it.
    draft = (drafts.take_draft if sending else drafts.load_draft)(db.session, token=token)
    if draft is None:
        return _no_draft(send, form_endpoint=form_endpoint, anonymous=anonymous, sending=sending)
    form = SignalForm(formdata=MultiDict(draft.fields), meta={"csrf": False})
    context = _prepare(form, anonymous_only=anonymous, public=public)
    # A refusal below shows the form: it must go back to the form's own URL (through this page again).
    context.update(form_action=url_for(form_endpoint), draft_files=[name for name, _ in draft.files])
    if sending:
        if send.idempotency_key.data and send.idempotency_key.data != form.idempotency_key.data:
            # The draft changed after this page was shown (a form sent from another tab of this browser):
            # never send what the reporter did not see. The page again, with the draft as it is now.
            db.session.rollback()
            g.nothing_filed = True
            flash(_("Uw melding is intussen veranderd, in een ander venster of tabblad. Controleer hem opnieuw en "
                    "verstuur hem dan."), "info")
            return redirect(url_for(request.endpoint), 303)
        if not form.validate():
            db.session.rollback()
            return _form_page(form, context, 422)
        return _file_form(form, context, anonymous=anonymous, draft_token=token, draft=draft, public=public)
    db.session.commit()
    send.idempotency_key.data = form.idempotency_key.data
    return render_template(
        "intake/check.html", rows=check_rows(form), files=[name for name, _ in draft.files], send_form=send,
        edit_url=url_for(form_endpoint, concept=1), anonymous_only=anonymous, refused=refused,
    ), 429 if refused else 200


def _no_draft(send: SendDraftForm, *, form_endpoint: str, anonymous: bool, sending: bool):
    """No draft to show or send: sent already (a second click on "Melding versturen"), or gone after an hour."""
    filing_key = send.idempotency_key.data or ""
    sent, signal_id = drafts.sent_form(db.session, filing_key=filing_key) if sending else (False, None)
    db.session.commit()
    g.nothing_filed = True  # the anonymous filing limit does not count this answer
    if sent:
        return _already_sent(signal_id, filing_key=filing_key, anonymous=anonymous)
    if not sending and session.get(FILED_SESSION_KEY):  # Back to this page after sending: the form says "al verstuurd"
        return redirect(url_for(form_endpoint))
    flash(_("Uw melding was niet meer bewaard (na een uur zonder versturen wissen wij hem). Vul het formulier opnieuw in."),
          "info")
    return redirect(url_for(form_endpoint), 303 if sending else 302)


@bp.route("/melden/controleren", methods=["GET", "POST"])
@login_required
def check_named():
    require(current_user, Action.FILE_SIGNAL)
    return _check_page(anonymous=False)


def check_anonymous():
    """Anonymous: like ``new_anonymous_signal`` (no login, no client data, the hour only)."""
    return _check_page(anonymous=True)


def _already_sent(signal_id, *, filing_key: str, anonymous: bool):
    """The answer to a repeated POST of a form that was already filed: nothing is filed again."""
    session[FILED_SESSION_KEY] = True
    if anonymous:
        session[DISPLAY_SESSION_KEY] = display_token_for(filing_key)  # the code, if it was not shown yet
        return redirect(url_for("intake.anonymous_confirmation"), 303)
    signal = db.session.get(Signal, signal_id) if signal_id is not None else None
    if signal is None or signal.reporter_id != current_user.id:
        flash(_("Dit formulier is al verstuurd. Uw melding staat onder Mijn meldingen."), "info")
        return redirect(url_for("intake.my_signals"), 303)
    flash(_("Dit formulier was al verstuurd. Wij hebben uw melding één keer ontvangen; er is niets dubbel verstuurd."),
          "info")
    return redirect(url_for("intake.confirmation", reference=signal.reference), 303)


@bp.get("/melden/anoniem/ontvangen")
def anonymous_confirmation():
    """The page after an anonymous filing: the receipt code, once.

    Taking the code from its single-use token deletes it (the one write on this GET, by design:
    "shown once"). A reload, Back or a second tab gets the page without the code and files nothing.
    """
    shown = take_code_for_display(db.session, token=session.pop(DISPLAY_SESSION_KEY, None))
    db.session.commit()
    if shown is None:
        return render_template("intake/already_sent.html", anonymous=True,
                               receipt_url=_settings().base_url + url_for("intake.receipt"))
    code, reference = shown
    signal = db.session.scalar(db.select(Signal).where(Signal.reference == reference, Signal.is_anonymous.is_(True)))
    # The link is built from the configured base_url, never from the request's Host header.
    return render_template(
        "intake/confirmation_anonymous.html", signal=signal, reference=reference, receipt_code=format_code(code),
        feedback_days=_settings().first_feedback_working_days,
        receipt_url=_settings().base_url + url_for("intake.receipt"),
    )


# Anonymous filing is limited per client and in total (issue 15 item 13). A filing counts when it was
# stored, or when it carried files (refused files were still received and encrypted); a form sent back
# for a typo does not count. The per-client key is an HMAC of the client's network: no address is stored.

CLIENT_LIMIT_MESSAGE = _l(
    "U heeft de afgelopen tijd al een paar meldingen gedaan vanaf dit apparaat of netwerk. "
    "Wacht een uur en verstuur het formulier dan opnieuw. Wat u invulde staat er nog."
)
TOTAL_LIMIT_MESSAGE = _l(
    "Er komen nu erg veel anonieme meldingen binnen. Wacht een uur en verstuur het formulier dan opnieuw. "
    "Wat u invulde staat er nog."
)


def _anonymous_client_limit() -> str:
    return _settings().security.anonymous_filing_limit_per_client


def _anonymous_total_limit() -> str:
    return _settings().security.anonymous_filing_limit_total


def _anonymous_filing_key() -> str:
    """Per-client key: an HMAC (under the secret key) of the client address, IPv6 by its /64 network.

    The limiter storage (memory or Redis) thus never holds a client address, and one IPv6
    subscriber cannot dodge the limit by taking the next address from its own /64.
    """
    address = request.remote_addr or ""
    try:
        parsed = ipaddress.ip_address(address)
        if parsed.version == 6:
            address = str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    except ValueError:
        pass
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"anonymous-filing\x00" + address.encode(), hashlib.sha256
    )
    return "anon-filing:" + digest.hexdigest()[:32]


def _filing_counts(response) -> bool:
    """A stored melding (303) counts, and a refusal that still received files; a repeated form does not,
    nor a form kept for "Controleer uw melding" (its send counts)."""
    if g.get("duplicate_filing") or g.get("draft_saved") or g.get("nothing_filed"):
        return False
    return response.status_code == 303 or (response.status_code == 422 and (bool(_uploads()) or g.get("sent_files", False)))


def _refused_page(message: str):
    def on_breach(_limit):
        """The form (or the check page) again, with everything typed and the reason: nothing is lost (status 429)."""
        if request.endpoint == "intake.check_anonymous":
            return current_app.make_response(_check_page(anonymous=True, refused=message))
        form = SignalForm()
        context = _prepare(form, anonymous_only=True)
        page, status = _form_page(form, context, 429, refused=message)
        return current_app.make_response((page, status))

    return on_breach


def _anonymous_filing_limits(view):
    view = limiter.shared_limit(
        _anonymous_client_limit, scope="anonymous-filing-client", key_func=_anonymous_filing_key, methods=["POST"],
        deduct_when=_filing_counts, error_message=CLIENT_LIMIT_MESSAGE,
        on_breach=_refused_page(CLIENT_LIMIT_MESSAGE),
    )(view)
    return limiter.shared_limit(
        _anonymous_total_limit, scope="anonymous-filing-total", key_func=lambda: "alle-melders", methods=["POST"],
        deduct_when=_filing_counts, error_message=TOTAL_LIMIT_MESSAGE,
        on_breach=_refused_page(TOTAL_LIMIT_MESSAGE),
    )(view)


@bp.route("/melden", methods=["GET", "POST"])
def new_signal():
    """Named reporting needs a login; without one, the page offers the choice (login or anonymous)."""
    if not current_user.is_authenticated:
        if request.method == "POST":
            return redirect(url_for("auth.login", next=url_for("intake.new_signal")), 303)
        return render_template("intake/choose.html")
    require(current_user, Action.FILE_SIGNAL)
    if request.method == "POST" and request.form.get("identity") == "anoniem":
        # A form from before anonymous filing needed a logout: never file it under the person's name.
        return logged_in_page(continue_to="anoniem-melden", refused=True)
    if request.method == "GET" and (fresh := _after_filing("intake.new_signal")) is not None:
        return fresh
    return _handle_signal_form(SignalForm(), anonymous_only=False)


#: Pages that keep the "just filed" mark: the forms and their confirmations (Back goes between them).
_KEEPS_FILED_MARK = frozenset({
    "intake.new_signal", "intake.new_anonymous_signal", "intake.confirmation", "intake.anonymous_confirmation",
    "intake.check_named", "intake.check_anonymous", "static", None,
})


@bp.before_app_request
def _forget_filing_elsewhere():
    """Any other page opened after a filing ends the "al verstuurd" answer: the menu then gives a fresh form."""
    if FILED_SESSION_KEY in session and request.method == "GET" and request.endpoint not in _KEEPS_FILED_MARK:
        session.pop(FILED_SESSION_KEY, None)


def _after_filing(endpoint: str):
    """GET of the form right after a filing (Back, or the menu): say it was sent, offer a new form.

    ``?nieuw=1`` ("Nog een melding doen") clears the mark and redirects to the plain form URL, so a
    later Back lands on the mark again rather than on a form the browser may refill. None: show the form.
    """
    if request.args.get("nieuw"):
        session.pop(FILED_SESSION_KEY, None)
        return redirect(url_for(endpoint), 303)
    if not session.get(FILED_SESSION_KEY):
        return None
    if endpoint == "intake.new_anonymous_signal":
        return redirect(url_for("intake.anonymous_confirmation"), 303)
    return render_template("intake/already_sent.html", anonymous=False)


@bp.route("/melden/anoniem", methods=["GET", "POST"])
@_anonymous_filing_limits
def new_anonymous_signal():
    """Anonymous reporting: no login (``refuse_anonymous_routes_when_logged_in`` refuses one);
    nothing about the client is stored with the signal, and its times are rounded to the hour."""
    if request.method == "GET" and (fresh := _after_filing("intake.new_anonymous_signal")) is not None:
        return fresh
    return _handle_signal_form(SignalForm(), anonymous_only=True)


@bp.route("/melden/anoniem/openbaar", methods=["GET", "POST"])
@_anonymous_filing_limits
def new_public_signal():
    """The same anonymous form for inwoners and ondernemers, behind ``[app] public_form`` (off: 404).
    Its own channel (``publiek_formulier``), the same receipt code."""
    if not _settings().public_form:
        abort(404)
    return _handle_signal_form(SignalForm(), anonymous_only=True, public=True)


# Sending from "Controleer uw melding" counts against the same anonymous filing limits.
bp.add_url_rule("/melden/anoniem/controleren", "check_anonymous", _anonymous_filing_limits(check_anonymous),
                methods=["GET", "POST"])


# ----------------------------------------------------------------------------- anonymous routes need a logout first

#: Routes of the anonymous reporter. While the browser carries a login they answer only with a page
#: that offers to log out first, so nothing done here can be linked to an account (not even by time).
ANONYMOUS_ENDPOINTS = frozenset({
    "intake.new_anonymous_signal", "intake.anonymous_confirmation", "intake.check_anonymous", "intake.receipt", "intake.receipt_signal", "intake.receipt_reply",
    "intake.receipt_close", "intake.new_public_signal",
})


def logged_in_page(*, continue_to: str, refused: bool):
    """"Eerst uitloggen": why, and a logout button that continues to the anonymous form or the code page."""
    return render_template(
        "intake/logged_in.html", logout_form=LogoutForm(formdata=None), continue_to=continue_to, refused=refused,
    ), 409 if refused else 200


def refuse_anonymous_routes_when_logged_in():
    """before_request, registered before the session check: a browser that carries a login gets the
    logout page on the anonymous routes. Decided on the cookie alone, before any account row is read
    or touched (the session check would move ``last_seen_at``, or revoke an expired session, at the
    very moment of the anonymous action)."""
    if request.endpoint not in ANONYMOUS_ENDPOINTS:
        return None
    if "_user_id" not in session and AUTH_SESSION_KEY not in session:
        return None
    continue_to = ("anoniem-melden" if request.endpoint in (
        "intake.new_anonymous_signal", "intake.new_public_signal", "intake.check_anonymous") else "ontvangstcode")
    return logged_in_page(continue_to=continue_to, refused=request.method != "GET")


@bp.get("/melden/bevestiging/<reference>")
@login_required
def confirmation(reference: str):
    signal = db.session.scalar(db.select(Signal).where(Signal.reference == reference))
    if signal is None:
        abort(404)
    require(current_user, Action.VIEW_OWN_SIGNAL, signal)
    return render_template(
        "intake/confirmation.html", signal=signal, feedback_days=_settings().first_feedback_working_days
    )


# ----------------------------------------------------------------------------- the reporter's view of a signal


def _signal_page_context(signal: Signal) -> dict:
    keyring = current_keyring()
    return {
        "signal": signal,
        "content": read_signal_content(db.session, keyring=keyring, signal=signal),
        "feedback_items": feedback_history(db.session, keyring=keyring, signal=signal),
        "messages": list_messages(db.session, keyring=keyring, signal=signal),
        "certainty_labels": CERTAINTY_LABELS,
        "phenomena": term_labels(db.session, kind=TermKind.PHENOMENON),
        "processes": term_labels(db.session, kind=TermKind.PROCESS),
        "location_types": term_labels(db.session, kind=TermKind.LOCATION_TYPE),
    }


def _reply(signal: Signal, form: ReplyForm, *, author) -> str | None:
    """Post the reporter's reply; returns None on success, else leaves the error on the form."""
    if not form.validate_on_submit():
        return "invalid"
    try:
        add_reporter_information(
            db.session, keyring=current_keyring(), signal=signal, author=author, body=form.body.data or "",
            uploads=_uploads(), upload_settings=_settings().uploads,
        )
    except IntakeError as exc:
        db.session.rollback()
        g.files_not_taken = isinstance(exc, FilesNotTakenError)
        (form[exc.field] if exc.field in form else form.body).errors.append(str(exc))
        return "invalid"
    db.session.commit()
    return None


@bp.get("/mijn-meldingen")
@login_required
def my_signals():
    require(current_user, Action.LIST_OWN_SIGNALS)
    return render_template("intake/mine.html", signals=signals_of_reporter(db.session, reporter=current_user))


def _own_signal(signal_id: uuid.UUID) -> Signal:
    return load_or_404(Signal, signal_id, Action.VIEW_OWN_SIGNAL)


@bp.get("/mijn-meldingen/<uuid:signal_id>")
@login_required
def my_signal(signal_id):
    signal = _own_signal(signal_id)
    from meldpunt.audit.requests import audit_reporter_event

    audit_reporter_event("signal.read", signal_id=signal.id, details={"as": "reporter"})
    db.session.commit()
    return render_template(
        "intake/detail.html", reply_form=ReplyForm(), reply_url=url_for("intake.my_signal_reply", signal_id=signal.id),
        **_signal_page_context(signal),
    )


@bp.post("/mijn-meldingen/<uuid:signal_id>/bericht")
@login_required
def my_signal_reply(signal_id):
    signal = _own_signal(signal_id)
    form = ReplyForm()
    if _reply(signal, form, author=current_user._get_current_object()) is None:
        flash(_("Uw bericht is verstuurd."), "success")
        return redirect(url_for("intake.my_signal", signal_id=signal.id) + "#berichten", 303)
    return render_template(
        "intake/detail.html", reply_form=form, reply_url=url_for("intake.my_signal_reply", signal_id=signal.id),
        files_lost=bool(_uploads()), **_signal_page_context(signal),
    ), 422


# ----------------------------------------------------------------------------- ontvangstcode (anonymous)


def _receipt_limit() -> str:
    return _settings().security.receipt_limit_per_client


def _client_key() -> str:
    """Rate-limit key per client: a keyed hash of the address, so the limiter storage holds no IP addresses."""
    address = (request.remote_addr or "").encode()
    return "receipt:" + hmac.new(current_app.config["SECRET_KEY"].encode(), address, hashlib.sha256).hexdigest()[:32]


def _anonymous_audit(action: str, signal: Signal | None, *, result: str = "ok", details: dict | None = None) -> None:
    """Audit entries on the receipt pages name no person and no client, and join the chain after the hour."""
    record_anonymous(
        db.session, action=action, object_type="signal" if signal else "",
        object_id=signal.id if signal else "", result=result, details=details,
    )


def _receipt_signal() -> Signal | None:
    """The signal this browser's receipt grant opens, or None (no grant, expired, closed, or the code changed)."""
    handle = session.get(RECEIPT_SESSION_KEY)
    if handle is None:
        return None
    signal = signal_for_grant(db.session, handle=handle)
    if signal is None:
        session.pop(RECEIPT_SESSION_KEY, None)
        db.session.commit()  # the dead grant is deleted
    return signal


@bp.route("/ontvangstcode", methods=["GET", "POST"])
@limiter.limit(_receipt_limit, key_func=_client_key, methods=["POST"], deduct_when=lambda response: response.status_code != 303)
def receipt():
    """Enter the code. Every wrong code gets the same answer; wrong tries are limited per client."""
    form = ReceiptForm()
    if form.validate_on_submit():
        signal = find_signal_by_receipt(db.session, keyring=current_keyring(), entered=form.code.data or "")
        if signal is not None:
            close_grant(db.session, handle=session.get(RECEIPT_SESSION_KEY))
            session[RECEIPT_SESSION_KEY] = open_grant(db.session, signal=signal)
            _anonymous_audit("receipt.open", signal)
            db.session.commit()
            return redirect(url_for("intake.receipt_signal"), 303)
        _anonymous_audit("receipt.open", None, result="failed")
        db.session.commit()
        form.code.errors.append(str(WRONG_CODE))
        form.code.data = ""
    status = 422 if form.is_submitted() else 200
    return render_template("intake/receipt.html", form=form), status


@bp.get("/ontvangstcode/melding")
def receipt_signal():
    signal = _receipt_signal()
    if signal is None:
        flash(_("Vul uw ontvangstcode (opnieuw) in om uw melding te openen."), "info")
        return redirect(url_for("intake.receipt"), 303)
    _anonymous_audit("signal.read", signal, details={"as": "receipt"})
    db.session.commit()
    return render_template(
        "intake/receipt_signal.html", reply_form=ReplyForm(), reply_url=url_for("intake.receipt_reply"),
        close_form=CloseReceiptForm(), **_receipt_page_context(signal),
    )


def _receipt_page_context(signal: Signal) -> dict:
    return {
        **_signal_page_context(signal),
        "grant_idle_minutes": int(GRANT_IDLE.total_seconds() // 60),
        "grant_absolute_hours": int(GRANT_ABSOLUTE.total_seconds() // 3600),
    }


@bp.post("/ontvangstcode/bericht")
def receipt_reply():
    signal = _receipt_signal()
    if signal is None:
        flash(_("Uw sessie is verlopen. Vul uw ontvangstcode opnieuw in."), "info")
        return redirect(url_for("intake.receipt"), 303)
    form = ReplyForm()
    if _reply(signal, form, author=None) is None:
        flash(_("Uw bericht is verstuurd."), "success")
        return redirect(url_for("intake.receipt_signal") + "#berichten", 303)
    return render_template(
        "intake/receipt_signal.html", reply_form=form, reply_url=url_for("intake.receipt_reply"),
        close_form=CloseReceiptForm(), files_lost=bool(_uploads()), **_receipt_page_context(signal),
    ), 422


@bp.post("/ontvangstcode/sluiten")
def receipt_close():
    form = CloseReceiptForm()
    if form.validate_on_submit():
        close_grant(db.session, handle=session.pop(RECEIPT_SESSION_KEY, None))
        db.session.commit()
        flash(_("Uw melding is gesloten op dit apparaat."), "success")
    return redirect(url_for("intake.receipt"), 303)
