package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

var _ vestiging.WebhookService = (*DB)(nil)

// deliveryRetention is how long the delivery log keeps a delivery.
const deliveryRetention = 30 * 24 * time.Hour

func scanWebhook(row scanner) (*vestiging.Webhook, error) {
	h := &vestiging.Webhook{}
	var events string
	if err := row.Scan(&h.ID, &h.URL, &events, &h.Secret, &h.CreatedBy, scanTime(&h.CreatedAt)); err != nil {
		return nil, err
	}
	h.Events = strings.Fields(events)
	return h, nil
}

const webhookColumns = `id, url, events, secret, COALESCE(created_by, 0), created_at`

// CreateWebhook stores a webhook with its audit entry.
func (db *DB) CreateWebhook(ctx context.Context, h *vestiging.Webhook, by *vestiging.AuditEntry) error {
	if err := h.Validate(); err != nil {
		return err
	}
	h.CreatedAt = db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (url, events, secret, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, h.URL, strings.Join(h.Events, " "), h.Secret, nullID(h.CreatedBy),
			db.dialect.timeArg(h.CreatedAt)).Scan(&h.ID)
		if err != nil {
			return refine(db.mapError(err), vestiging.EINVALID, "The staff member does not exist.", nil)
		}
		return db.audit(ctx, tx, by, "webhook.create", h.URL, strings.Join(h.Events, " "))
	})
	if err != nil {
		h.ID = 0
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

// Webhook returns one webhook, or ENOTFOUND.
func (db *DB) Webhook(ctx context.Context, id int64) (*vestiging.Webhook, error) {
	h, err := scanWebhook(db.db.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("webhook %d: %w", id, notFound(db.mapError(err), "Webhook not found."))
	}
	return h, nil
}

// Webhooks lists every webhook, oldest first.
func (db *DB) Webhooks(ctx context.Context) ([]*vestiging.Webhook, error) {
	return db.webhooks(ctx, db.db)
}

func (db *DB) webhooks(ctx context.Context, q querier) ([]*vestiging.Webhook, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.Webhook{}
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("webhooks: %w", db.mapError(err))
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhooks: %w", db.mapError(err))
	}
	return out, nil
}

// DeleteWebhook removes a webhook and its deliveries with the audit
// entry; jobs still queued for them find nothing and end.
func (db *DB) DeleteWebhook(ctx context.Context, id int64, by *vestiging.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var u string
		if err := tx.QueryRowContext(ctx, `DELETE FROM webhooks WHERE id = $1 RETURNING url`, id).Scan(&u); err != nil {
			return notFound(db.mapError(err), "Webhook not found.")
		}
		return db.audit(ctx, tx, by, "webhook.delete", u, "")
	})
	if err != nil {
		return fmt.Errorf("delete webhook %d: %w", id, err)
	}
	return nil
}

// queueHook queues a delivery of event with data to every webhook that
// subscribed to it, in tx: the deliveries exist exactly when the change
// that caused them does.
func (db *DB) queueHook(ctx context.Context, tx *sql.Tx, event string, data vestiging.HookData) error {
	hooks, err := db.webhooks(ctx, tx)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if h.Wants(event) {
			if _, err := db.queueDelivery(ctx, tx, h.ID, event, data); err != nil {
				return err
			}
		}
	}
	return nil
}

// queueDelivery stores one delivery and queues its job in tx.
func (db *DB) queueDelivery(ctx context.Context, tx *sql.Tx, webhookID int64, event string, data vestiging.HookData) (*vestiging.WebhookDelivery, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("webhook %s data: %w", event, err)
	}
	d := &vestiging.WebhookDelivery{WebhookID: webhookID, Event: event, Data: b, Status: vestiging.DeliveryPending, CreatedAt: db.now()}
	err = tx.QueryRowContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event, data, status, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, webhookID, event, string(b), d.Status, db.dialect.timeArg(d.CreatedAt)).Scan(&d.ID)
	if err != nil {
		return nil, fmt.Errorf("webhook %s delivery: %w", event, db.mapError(err))
	}
	return d, db.insertJobs(ctx, tx, vestiging.WebhookJob{DeliveryID: d.ID})
}

// TestWebhook queues a test delivery to one webhook.
func (db *DB) TestWebhook(ctx context.Context, id int64) (*vestiging.WebhookDelivery, error) {
	var d *vestiging.WebhookDelivery
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM webhooks WHERE id = $1`, id).Scan(&one); err != nil {
			return notFound(db.mapError(err), "Webhook not found.")
		}
		var err error
		d, err = db.queueDelivery(ctx, tx, id, vestiging.HookTest, vestiging.HookData{Webhook: &vestiging.HookWebhook{ID: id}})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("test webhook %d: %w", id, err)
	}
	return d, nil
}

const deliveryColumns = `id, webhook_id, event, data, status, attempts, response_code, error, created_at, last_attempt_at`

func scanDelivery(row scanner) (*vestiging.WebhookDelivery, error) {
	d := &vestiging.WebhookDelivery{}
	var data string
	var last time.Time
	err := row.Scan(&d.ID, &d.WebhookID, &d.Event, &data, &d.Status, &d.Attempts, &d.ResponseCode, &d.Error,
		scanTime(&d.CreatedAt), scanNullTime(&last))
	if err != nil {
		return nil, err
	}
	d.Data, d.LastAttemptAt = []byte(data), timePtr(last)
	return d, nil
}

// WebhookDeliveries lists one webhook's deliveries, newest first.
func (db *DB) WebhookDeliveries(ctx context.Context, webhookID int64, offset, limit int) ([]*vestiging.WebhookDelivery, int, error) {
	offset, limit, err := vestiging.NormalizePage(offset, limit)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $1`, webhookID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("webhook deliveries: %w", db.mapError(err))
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = $1
		ORDER BY id DESC LIMIT $2 OFFSET $3`, webhookID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("webhook deliveries: %w", db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("webhook deliveries: %w", db.mapError(err))
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("webhook deliveries: %w", db.mapError(err))
	}
	return out, total, nil
}

// WebhookDelivery returns one delivery, or ENOTFOUND.
func (db *DB) WebhookDelivery(ctx context.Context, id int64) (*vestiging.WebhookDelivery, error) {
	d, err := scanDelivery(db.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("webhook delivery %d: %w", id, notFound(db.mapError(err), "Delivery not found."))
	}
	return d, nil
}

// RecordWebhookAttempt stores the outcome of an attempt, and forgets
// deliveries older than deliveryRetention now and then.
func (db *DB) RecordWebhookAttempt(ctx context.Context, d *vestiging.WebhookDelivery) error {
	if err := db.prune(ctx, &db.deliveriesPruned, "webhook_deliveries", "created_at", deliveryRetention); err != nil {
		return err
	}
	if len(d.Error) > 1000 {
		d.Error = d.Error[:1000]
	}
	var last time.Time
	if d.LastAttemptAt != nil {
		last = *d.LastAttemptAt
	}
	defer db.lockWrites()()
	res, err := db.db.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $2, attempts = $3, response_code = $4, error = $5,
		last_attempt_at = $6 WHERE id = $1`, d.ID, d.Status, d.Attempts, d.ResponseCode, strings.ToValidUTF8(d.Error, "?"),
		db.dialect.nullTimeArg(last))
	if err := affectedOne(res, err, "Delivery not found."); err != nil {
		return fmt.Errorf("webhook delivery %d: %w", d.ID, db.mapError(err))
	}
	return nil
}

// IntranetHost returns the host webhooks may reach on the library's network.
func (db *DB) IntranetHost(ctx context.Context) (string, error) {
	var host string
	if err := db.db.QueryRowContext(ctx, `SELECT webhook_intranet_host FROM library WHERE id = 1`).Scan(&host); err != nil {
		return "", fmt.Errorf("intranet host: %w", notFound(db.mapError(err), "The library is not set up yet."))
	}
	return host, nil
}

// SetIntranetHost changes it with the audit entry.
func (db *DB) SetIntranetHost(ctx context.Context, host string, by *vestiging.AuditEntry) error {
	host, err := vestiging.CheckIntranetHost(host)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE library SET webhook_intranet_host = $1 WHERE id = 1`, host)
		if err := affectedOne(res, err, "The library is not set up yet."); err != nil {
			return err
		}
		target := host
		if target == "" {
			target = "-"
		}
		return db.audit(ctx, tx, by, "webhook.intranet", target, "")
	})
	if err != nil {
		return fmt.Errorf("intranet host: %w", err)
	}
	return nil
}

// registrationHook queues event (none when "") about a registration for
// one of this library's events; a resident's sign-up elsewhere is not ours.
func (db *DB) registrationHook(ctx context.Context, tx *sql.Tx, event string, r *vestiging.Registration, e *signUpEvent) error {
	if event == "" || e.remote {
		return nil
	}
	return db.queueHook(ctx, tx, event, vestiging.HookData{Registration: &vestiging.HookRegistration{ID: r.ID, EventID: r.EventID, State: r.State}})
}

// eventHook queues what a local event's change from old (nil when new)
// to e is for webhooks: published when it becomes public, cancelled when
// it is cancelled, changed while it stays public; nothing for drafts.
func (db *DB) eventHook(ctx context.Context, tx *sql.Tx, old, e *vestiging.Event) error {
	wasPublic := old != nil && vestiging.IsPublic(old.Status)
	var event string
	switch {
	case !vestiging.IsPublic(e.Status):
		return nil
	case e.Status == vestiging.StatusCancelled && (old == nil || old.Status != vestiging.StatusCancelled):
		event = vestiging.HookEventCancelled
	case !wasPublic:
		event = vestiging.HookEventPublished
	default:
		event = vestiging.HookEventChanged
	}
	return db.queueHook(ctx, tx, event, vestiging.HookData{Event: vestiging.HookEventOf(e)})
}

// offerHook queues offer.submitted when a local offer comes to wait for
// moderation: new, or edited back into the queue.
func (db *DB) offerHook(ctx context.Context, tx *sql.Tx, id int64, old, status string) error {
	if status != vestiging.OfferPending || old == vestiging.OfferPending {
		return nil
	}
	o := &vestiging.HookOffer{ID: id}
	if err := tx.QueryRowContext(ctx, `SELECT kind, title FROM offers WHERE id = $1`, id).Scan(&o.Kind, &o.Title); err != nil {
		return db.mapError(err)
	}
	return db.queueHook(ctx, tx, vestiging.HookOfferSubmitted, vestiging.HookData{Offer: o})
}
