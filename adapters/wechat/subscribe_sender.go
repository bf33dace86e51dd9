package wechat

import (
	"context"

	"github.com/scanpay/scanpay/app"
)

// SubscribeSender is the client as app.SubscribeSender: the use cases
// speak app's message type, the client its own.
type SubscribeSender struct{ Client *Client }

var _ app.SubscribeSender = SubscribeSender{}

// SendSubscribe sends m with the client; errors are SendSubscribeMessage's.
func (s SubscribeSender) SendSubscribe(ctx context.Context, m app.SubscribeMessage) error {
	return s.Client.SendSubscribeMessage(ctx, SubscribeMessage{ToOpenID: m.ToOpenID, TemplateID: m.TemplateID,
		Page: m.Page, Data: m.Data})
}

// WeChatErrCode is the errcode WeChat answered, so a use case can record
// it (app reads it through errors.As, without knowing this type).
func (e *APIError) WeChatErrCode() int { return e.Code }
