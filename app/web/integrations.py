"""Integrations (admin): the remote sources this server pulls from, and the webhooks it sends."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from app.auth import audit, principal, requires
from app.credentials import CredentialError, keyring
from app.database import unit_of_work
from app.extensions import db, jobs
from app.list_params import PageParams
from app.remote.client import ClientSettings, breaker_state
from app.remote.sync import check_connection, start_sync
from app.services.bulk import page_count
from app.services.integrations import recent_sync_jobs
from app.services.remote_sources import (SourceError, add_source, change_source, get_source, imported_counts,
                                         list_sources, remove_source, restore_source, unreadable_secrets)
from app.services.webhooks import (DELIVERIES_PAGE, EVENTS, WebhookError, add_subscription, enable_subscription,
                                   get_delivery, get_subscription, list_subscriptions, page_of_deliveries, redeliver,
                                   remove_subscription)
from app.web.forms import ButtonForm, SourceForm, WebhookForm, require_button_form
from app.web.rendering import list_params

bp = Blueprint("integrations", __name__, url_prefix="/admin")


def _source(name: str):
    source = get_source(db.session, name)
    if source is None:
        abort(404, description=f"There is no source named {name!r}.")
    return source


def _sources_page(form, status=200):
    every = list_sources(db.session, removed=True)
    sources = [s for s in every if not s.removed]
    page = render_template(
        "integrations/sources.html", form=form, sources=sources, removed=[s for s in every if s.removed],
        counts=imported_counts(db.session),
        breakers={s.name: breaker_state(s.name) for s in sources}, button_form=ButtonForm(),
        unreadable=unreadable_secrets(db.session, keyring(current_app)))
    return page, status


@bp.get("/sources")
@requires("admin")
def sources():
    """Every remote source with its state and last sync, and a form for a new one."""
    return _sources_page(SourceForm())


@bp.post("/sources")
@requires("admin")
def add():
    """Add a remote source."""
    form = SourceForm()
    if not form.validate_on_submit():
        return _sources_page(form, 422)
    try:
        with unit_of_work():
            source = add_source(db.session, keyring(current_app), form.name.data, form.base_url.data,
                                form.token.data or "", created_by=principal().name,
                                webhook_secret=form.webhook_secret.data or None, filters=form.filters(),
                                every_minutes=form.every_minutes.data)
            audit("source.added", target=source.name, details={"url": source.base_url, "filters": source.filters,
                                                              "every_minutes": source.every_minutes})
    except (SourceError, CredentialError) as exc:
        getattr(form, getattr(exc, "field", None) or "name").errors.append(getattr(exc, "message", str(exc)))
        return _sources_page(form, 422)
    flash(f"Added source {source.name}. Test the connection, then sync it.")
    return redirect(url_for("integrations.source", name=source.name))


def _source_page(source, form=None, status=200, check=None):
    form = form or SourceForm(formdata=None, obj=source, **source.filters)
    return render_template("integrations/source.html", source=source, form=form, check=check,
                           breaker=breaker_state(source.name), counts=imported_counts(db.session).get(source.pk),
                           jobs=recent_sync_jobs(db.session, source.pk), button_form=ButtonForm()), status


@bp.get("/sources/<name>")
@requires("admin")
def source(name):
    """One source: its settings, state and recent syncs."""
    return _source_page(_source(name))


@bp.post("/sources/<name>")
@requires("admin")
def change(name):
    """Change a source's address, token, webhook secret, filters or schedule."""
    source = _source(name)
    form = SourceForm()
    form.name.data = source.name
    if not form.validate_on_submit():
        return _source_page(source, form, 422)
    try:
        with unit_of_work():
            changed = change_source(db.session, keyring(current_app), source, base_url=form.base_url.data,
                                    filters=form.filters(), every_minutes=form.every_minutes.data,
                                    token=form.token.data, webhook_secret=form.webhook_secret.data,
                                    forget_webhook_secret=bool(request.form.get("forget_webhook_secret")))
            if changed:
                audit("source.changed", target=source.name, details=changed)
    except (SourceError, CredentialError) as exc:
        getattr(form, getattr(exc, "field", None) or "base_url").errors.append(getattr(exc, "message", str(exc)))
        return _source_page(_source(name), form, 422)
    flash(f"Saved {source.name}." if changed else "Nothing changed.")
    return redirect(url_for("integrations.source", name=source.name))


@bp.post("/sources/<name>/test")
@requires("admin")
def test(name):
    """Try the source's address and token, and say what is wrong in plain words."""
    require_button_form()
    source = _source(name)
    ok, message = check_connection(source, ClientSettings.from_config(current_app.config))
    return _source_page(source, check=(ok, message))


@bp.post("/sources/<name>/sync")
@requires("admin")
def sync(name):
    """Queue a sync of the source now; its progress shows on the job's page."""
    require_button_form()
    source = _source(name)
    with unit_of_work():
        job, new = start_sync(db.session, source, principal().name)
        if new:
            audit("source.sync_started", target=source.name, details={"job": job.pk})
    if new:
        jobs.enqueue(job.pk)
    else:
        flash(f"A sync of {source.name} is already queued or running.")
    return redirect(url_for("scans.show", job_pk=job.pk))


@bp.post("/sources/<name>/pause")
@requires("admin")
def pause(name):
    """Stop scheduled syncs and webhooks of the source until resumed."""
    return _set_paused(name, True)


@bp.post("/sources/<name>/resume")
@requires("admin")
def resume(name):
    """Let the source sync again."""
    return _set_paused(name, False)


def _set_paused(name, paused):
    require_button_form()
    source = _source(name)
    if source.paused != paused:
        with unit_of_work():
            source.paused = paused
            audit("source.paused" if paused else "source.resumed", target=source.name)
    flash(f"{source.name} is {'paused' if paused else 'active'}.")
    return redirect(url_for("integrations.source", name=source.name))


@bp.post("/sources/<name>/remove")
@requires("admin")
def remove(name):
    """Remove a source: the sessions it brought stay, marked as from a removed source."""
    require_button_form()
    source = _source(name)
    with unit_of_work():
        remove_source(db.session, source)
        audit("source.removed", target=source.name)
    flash(f"Removed {source.name}; the sessions it brought stay here.")
    return redirect(url_for("integrations.sources"))


@bp.post("/sources/<name>/restore")
@requires("admin")
def restore(name):
    """Bring a removed source back, paused."""
    require_button_form()
    source = get_source(db.session, name, removed=True)
    if source is None or not source.removed:
        abort(404, description=f"There is no removed source named {name!r}.")
    with unit_of_work():
        restore_source(db.session, source)
        audit("source.restored", target=source.name)
    flash(f"{source.name} is back, paused: resume it to sync again.")
    return redirect(url_for("integrations.source", name=source.name))


def _webhooks_page(form, status=200, created=None, secret=None):
    page = render_template("integrations/webhooks.html", form=form, subscriptions=list_subscriptions(db.session),
                           button_form=ButtonForm(), created=created, secret=secret)
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/webhooks")
@requires("admin")
def webhooks():
    """Every webhook subscription with its state, and a form for a new one."""
    return _webhooks_page(WebhookForm(EVENTS))


@bp.post("/webhooks")
@requires("admin")
def add_webhook():
    """Add a subscription; its secret is shown this once."""
    form = WebhookForm(EVENTS)
    if not form.validate_on_submit():
        return _webhooks_page(form, 422)
    try:
        with unit_of_work():
            subscription, secret = add_subscription(db.session, keyring(current_app), form.url.data,
                                                    form.events.data, principal().name)
            audit("webhook.added", target=str(subscription.pk), details={"url": subscription.url,
                                                                         "events": subscription.events})
    except (WebhookError, CredentialError) as exc:
        getattr(form, getattr(exc, "field", None) or "url").errors.append(getattr(exc, "message", str(exc)))
        return _webhooks_page(form, 422)
    return _webhooks_page(WebhookForm(EVENTS, formdata=None), created=subscription, secret=secret)


def _subscription(subscription_pk: int):
    subscription = get_subscription(db.session, subscription_pk)
    if subscription is None:
        abort(404, description="There is no such webhook subscription.")
    return subscription


@bp.get("/webhooks/<int:subscription_pk>")
@requires("admin")
def webhook(subscription_pk):
    """One subscription's delivery log, newest first."""
    subscription = _subscription(subscription_pk)
    params = list_params(PageParams)
    deliveries, total = page_of_deliveries(db.session, subscription, params.page)
    return render_template("integrations/webhook.html", subscription=subscription, deliveries=deliveries,
                           total=total, page=params.page, pages=page_count(total, DELIVERIES_PAGE),
                           button_form=ButtonForm())


@bp.post("/webhooks/<int:subscription_pk>/remove")
@requires("admin")
def remove_webhook(subscription_pk):
    """Stop sending to a subscription."""
    require_button_form()
    subscription = _subscription(subscription_pk)
    with unit_of_work():
        remove_subscription(db.session, subscription)
        audit("webhook.removed", target=str(subscription.pk), details={"url": subscription.url})
    flash(f"Removed the webhook to {subscription.url}.")
    return redirect(url_for("integrations.webhooks"))


@bp.post("/webhooks/<int:subscription_pk>/enable")
@requires("admin")
def enable_webhook(subscription_pk):
    """Send to a subscription again after it was turned off."""
    require_button_form()
    subscription = _subscription(subscription_pk)
    with unit_of_work():
        enable_subscription(db.session, subscription)
        audit("webhook.enabled", target=str(subscription.pk))
    flash(f"Webhooks to {subscription.url} are on again.")
    return redirect(url_for("integrations.webhook", subscription_pk=subscription.pk))


@bp.post("/webhooks/<int:subscription_pk>/deliveries/<int:delivery_pk>/redeliver")
@requires("admin")
def redeliver_webhook(subscription_pk, delivery_pk):
    """Send one message again."""
    require_button_form()
    subscription = _subscription(subscription_pk)
    delivery = get_delivery(db.session, subscription, delivery_pk)
    if delivery is None:
        abort(404, description="This subscription has no such delivery.")
    with unit_of_work():
        redeliver(db.session, delivery)
        audit("webhook.redelivered", target=str(subscription.pk), details={"delivery": delivery.pk})
    flash(f"Delivery {delivery.pk} is queued again.")
    return redirect(url_for("integrations.webhook", subscription_pk=subscription.pk))
