package wechat

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

const pathSubscribeSend = "/cgi-bin/message/subscribe/send"

// subscribe/send errcodes.
const (
	codeInvalidOpenID   = 40003
	codeInvalidTemplate = 40037
	codeUserRefused     = 43101
	codeArgumentInvalid = 47003
)

// SubscribeMessage is one subscribe message to a shopper (a receipt, a
// refund notice). Data maps template keys such as "thing1" or "amount2" to
// their values. State is the mini-program version the message opens:
// "formal" (default), "trial" or "developer".
type SubscribeMessage struct {
	ToOpenID, TemplateID, Page string
	Data                       map[string]string
	State                      string
}

type subscribeValue struct {
	Value string `json:"value"`
}

type subscribeRequest struct {
	ToUser           string                    `json:"touser"`
	TemplateID       string                    `json:"template_id"`
	Page             string                    `json:"page,omitempty"`
	Data             map[string]subscribeValue `json:"data"`
	MiniprogramState string                    `json:"miniprogram_state"`
	Lang             string                    `json:"lang"`
}

// SendSubscribeMessage sends m. A shopper who has not (or no longer)
// accepted the template gets ECONFLICT wx_subscription_refused: retrying
// will not help, so jobs should drop it. A bad openid, template or value is
// EINVALID; WeChat trouble is EUNAVAILABLE and worth a retry.
func (c *Client) SendSubscribeMessage(ctx context.Context, m SubscribeMessage) error {
	const api = "subscribe_send"
	var fields domain.Fields
	if m.ToOpenID == "" {
		fields.Add("to_openid", "is required")
	}
	if m.TemplateID == "" {
		fields.Add("template_id", "is required")
	}
	if len(m.Data) == 0 {
		fields.Add("data", "needs at least one key")
	}
	state := m.State
	switch state {
	case "":
		state = "formal"
	case "formal", "trial", "developer":
	default:
		fields.Add("state", "must be formal, trial or developer")
	}
	if err := fields.Err("subscribe_message_invalid"); err != nil {
		return err
	}
	data := make(map[string]subscribeValue, len(m.Data))
	for k, v := range m.Data {
		data[k] = subscribeValue{Value: v}
	}
	in := subscribeRequest{ToUser: m.ToOpenID, TemplateID: m.TemplateID, Page: m.Page, Data: data, MiniprogramState: state, Lang: "zh_CN"}
	_, _, ae, err := c.postAuthed(ctx, api, pathSubscribeSend, in, maxJSONBody)
	if err != nil {
		return err
	}
	if ae != nil {
		return subscribeError(ae)
	}
	return nil
}

func subscribeError(ae *APIError) error {
	switch ae.Code {
	case codeUserRefused:
		return &domain.Error{Code: domain.ECONFLICT, Reason: "wx_subscription_refused",
			Message: "the shopper has not accepted this message; do not retry", Err: ae}
	case codeInvalidOpenID:
		return &domain.Error{Code: domain.EINVALID, Reason: "wx_openid_invalid",
			Message: "WeChat does not know this openid for the app", Err: ae}
	case codeInvalidTemplate:
		return &domain.Error{Code: domain.EINVALID, Reason: "wx_template_invalid",
			Message: "WeChat does not know this template id", Err: ae}
	case codeInvalidPage:
		// The page the message opens (WECHAT_ORDER_PAGE) is not a page of
		// the released mini-program: no retry will change that.
		return &domain.Error{Code: domain.EINVALID, Reason: "wx_page_invalid",
			Message: "WeChat does not know the page the message opens", Err: ae}
	case codeArgumentInvalid:
		return &domain.Error{Code: domain.EINVALID, Reason: "wx_argument_invalid",
			Message: "WeChat refused a value of the message", Err: ae}
	}
	return commonError(ae)
}
