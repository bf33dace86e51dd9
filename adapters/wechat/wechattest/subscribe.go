package wechattest

import (
	"net/http"
	"sort"
)

// Message is a subscribe message the fake accepted.
type Message struct {
	ToUser, TemplateID, Page string
	Data                     map[string]string
	State, Lang              string
}

type subscribeValue struct {
	Value *string `json:"value"`
}

type subscribeRequest struct {
	ToUser           string                    `json:"touser"`
	TemplateID       string                    `json:"template_id"`
	Page             string                    `json:"page"`
	Data             map[string]subscribeValue `json:"data"`
	MiniprogramState string                    `json:"miniprogram_state"`
	Lang             string                    `json:"lang"`
}

type okBody struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// RefuseFor makes subscribe/send to openid answer 43101, as for a shopper
// who did not accept (or already used up) the subscription.
func (s *Server) RefuseFor(openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[openID] = true
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	copy(out, s.messages)
	return out
}

// handleSubscribe is POST /cgi-bin/message/subscribe/send?access_token=...
// Answers {"errcode":0,"errmsg":"ok"} or 40003 (openid), 40037 (template),
// 47003 (data or state), 43101 (refused).
func (s *Server) handleSubscribe(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r) {
		return
	}
	var req subscribeRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	if code := s.injected(); code != 0 {
		s.writeError(w, code, "")
		return
	}
	if !validOpenID(req.ToUser) {
		s.writeError(w, 40003, "")
		return
	}
	if req.TemplateID == "" {
		s.writeError(w, 40037, "")
		return
	}
	if len(req.Data) == 0 {
		s.writeError(w, 47003, "hint: data is empty")
		return
	}
	data := make(map[string]string, len(req.Data))
	keys := make([]string, 0, len(req.Data))
	for k := range req.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := req.Data[k].Value
		if v == nil || *v == "" || len([]rune(*v)) > 200 {
			s.writeError(w, 47003, "hint: data."+k+".value invalid")
			return
		}
		data[k] = *v
	}
	switch req.MiniprogramState {
	case "", "formal", "trial", "developer":
	default:
		s.writeError(w, 47003, "hint: miniprogram_state invalid")
		return
	}
	s.mu.Lock()
	refused := s.refused[req.ToUser]
	if !refused {
		s.messages = append(s.messages, Message{ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page,
			Data: data, State: req.MiniprogramState, Lang: req.Lang})
	}
	s.mu.Unlock()
	if refused {
		s.writeError(w, 43101, "")
		return
	}
	writeJSON(w, okBody{ErrCode: 0, ErrMsg: "ok"})
}

// validOpenID accepts what an openid looks like: 1 to 64 of letters, digits,
// '_' and '-' (real ones are 28 characters; dev ones "dev-<name>").
func validOpenID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c == '-' || c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			return false
		}
	}
	return true
}
