package http

import (
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/domain"
)

// The staff web console (issue 9): server-rendered pages at /console/ on
// the same use cases as the JSON API, so every role and store rule is the
// API's. A page never trusts its own hiding of a form: the use case
// refuses what the role may not do.
const (
	// ConsolePath is where the console lives.
	ConsolePath = "/console"
	// SimulatorPath is where the in-browser shopper simulator lives
	// (embedded/dev mode only).
	SimulatorPath = "/try"
	// consoleCookie holds the staff token of a console session: HttpOnly
	// (no script reads it), SameSite=Strict and scoped to /console, so the
	// JSON API never accepts it.
	consoleCookie = "scanpay_console"
	// consoleStoreCookie remembers the store picked in the console.
	consoleStoreCookie = "scanpay_console_store"
	// csrfField is the hidden form field every console form carries.
	csrfField = "csrf"
)

//go:embed console/templates/*.html
var consoleTemplates embed.FS

//go:embed console/static
var consoleStatic embed.FS

// consoleRoutes registers the console. Each page family registers its own
// routes (console_*.go); they all go through consoleAuth.
func (s *Server) consoleRoutes() {
	a := s.App
	static, _ := fs.Sub(consoleStatic, "console/static")
	a.Use(ConsolePath+"/static", filesystem.New(filesystem.Config{Root: http.FS(static), MaxAge: 3600}))
	a.Get(ConsolePath+"/login", s.consoleLoginPage)
	a.Post(ConsolePath+"/login", s.consoleLogin)
	a.Post(ConsolePath+"/logout", s.consoleAuth, s.consoleLogout)
	a.Post(ConsolePath+"/store", s.consoleAuth, s.consolePickStore)
	// Routing is not strict: this also serves /console.
	a.Get(ConsolePath+"/", s.consoleAuth, s.consoleHome)
	s.consoleCatalogRoutes()
	s.consoleStockRoutes()
	s.consoleSalesRoutes()
}

// consoleAuth authenticates the session cookie; without a valid one a page
// request goes to the login page. A form post must carry the session's
// CSRF token and come from our own pages (Origin / Sec-Fetch-Site).
func (s *Server) consoleAuth(c *fiber.Ctx) error {
	token := c.Cookies(consoleCookie)
	if token == "" {
		return s.toLogin(c)
	}
	staff, err := s.deps.Auth.Authenticate(c.UserContext(), token)
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.EUNAUTHORIZED || code == domain.EFORBIDDEN {
			s.clearConsoleCookie(c)
			return s.toLogin(c)
		}
		return err
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		if !sameOrigin(c) || !hmac.Equal([]byte(c.FormValue(csrfField)), []byte(csrfToken(token))) {
			return domain.Errorf(domain.EFORBIDDEN, "csrf_failed", "this form is stale or did not come from the console; reload the page")
		}
	}
	c.Locals(localStaff, staff)
	c.Locals(localConsoleToken, token)
	return c.Next()
}

const localConsoleToken = "console_token"

// csrfToken is the session's form token: a hash of its staff token, so it
// needs no storage, changes with every login and cannot be made by a page
// that does not know the (HttpOnly) session cookie.
func csrfToken(sessionToken string) string {
	sum := sha256.Sum256([]byte("scanpay-console-csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Server) toLogin(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet {
		return domain.Errorf(domain.EUNAUTHORIZED, "session_expired", "your console session ended; log in again")
	}
	return c.Redirect(ConsolePath+"/login?next="+url.QueryEscape(string(c.Request().URI().RequestURI())), fiber.StatusFound)
}

func (s *Server) clearConsoleCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: consoleCookie, Value: "", Path: ConsolePath, MaxAge: -1, HTTPOnly: true,
		Secure: s.opts.SecureCookies, SameSite: fiber.CookieSameSiteStrictMode})
}

func (s *Server) consoleLoginPage(c *fiber.Ctx) error {
	return s.renderBare(c, fiber.StatusOK, "login", loginView{Next: safeNext(c.Query("next"))})
}

type loginView struct {
	Next, Username, Error string
}

// consoleLogin checks the staff credentials as POST /v1/admin/sessions
// does (same rate limits) and starts a cookie session.
func (s *Server) consoleLogin(c *fiber.Ctx) error {
	username := utils.CopyString(c.FormValue("username"))
	next := safeNext(c.FormValue("next"))
	if !sameOrigin(c) {
		return domain.Errorf(domain.EFORBIDDEN, "cross_site_request", "log in from the console's own page")
	}
	sess, err := s.deps.Auth.Login(c.UserContext(), username, c.FormValue("password"), s.clientIP(c))
	if err != nil {
		status := statusOf(domain.ErrorCode(err))
		if status >= 500 {
			return err
		}
		return s.renderBare(c, status, "login", loginView{Next: next, Username: username, Error: domain.ErrorMessage(err)})
	}
	c.Cookie(&fiber.Cookie{Name: consoleCookie, Value: sess.Token, Path: ConsolePath, Expires: sess.ExpiresAt,
		HTTPOnly: true, Secure: s.opts.SecureCookies, SameSite: fiber.CookieSameSiteStrictMode})
	return c.Redirect(next, fiber.StatusSeeOther)
}

// safeNext keeps a post-login redirect inside the console. Control
// characters are refused too: fasthttp writes the Location header as it
// is, so a line break in next would add headers of the sender's choosing.
func safeNext(next string) string {
	if !strings.HasPrefix(next, ConsolePath+"/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ConsolePath + "/"
	}
	return next
}

func (s *Server) consoleLogout(c *fiber.Ctx) error {
	s.clearConsoleCookie(c)
	return c.Redirect(ConsolePath+"/login", fiber.StatusSeeOther)
}

// consolePickStore remembers the store picked in the header, when the
// staff member works there.
func (s *Server) consolePickStore(c *fiber.Ctx) error {
	code := strings.TrimSpace(utils.CopyString(c.FormValue("store")))
	if err := actor(c).Authorize(domain.RoleClerk, code); err != nil {
		return s.renderPageError(c, "home", "Home", nil, err)
	}
	if _, err := s.deps.Stores.Get(c.UserContext(), actor(c), code); err != nil {
		return s.renderPageError(c, "home", "Home", nil, err)
	}
	c.Cookie(&fiber.Cookie{Name: consoleStoreCookie, Value: code, Path: ConsolePath, HTTPOnly: true,
		Secure: s.opts.SecureCookies, SameSite: fiber.CookieSameSiteStrictMode})
	return c.Redirect(safeNext(c.FormValue("next")), fiber.StatusSeeOther)
}

func (s *Server) consoleHome(c *fiber.Ctx) error {
	return s.renderPage(c, fiber.StatusOK, "home", "Home", nil)
}

// consoleStore is the store the console works on: the one picked, else
// the staff member's first store ("" for an admin with none picked).
func consoleStore(c *fiber.Ctx) string {
	staff := actor(c)
	picked := c.Cookies(consoleStoreCookie)
	if picked != "" && staff.Authorize(domain.RoleClerk, picked) == nil {
		return picked
	}
	if len(staff.StoreCodes) > 0 {
		return staff.StoreCodes[0]
	}
	return ""
}

// consoleView is what every page's layout shows: who, which store, the
// menu for the role, the form token and a message.
type consoleView struct {
	Title  string
	Staff  *domain.Staff
	Store  string
	Stores []string
	CSRF   string
	Nav    []navItem
	Path   string
	Flash  string
	Error  string
	Data   any
}

type navItem struct {
	Label, Path string
	Active      bool
}

// consoleNav is the menu, each entry shown to the roles its page serves;
// the use cases still check every action.
var consoleNav = []struct {
	label, path string
	min         domain.Role
}{
	{"Products", ConsolePath + "/products", domain.RoleClerk},
	{"Stock", ConsolePath + "/stock", domain.RoleClerk},
	{"Import", ConsolePath + "/imports", domain.RoleManager},
	{"Label rules", ConsolePath + "/label-rules", domain.RoleManager},
	{"Promotions", ConsolePath + "/promotions", domain.RoleManager},
	{"Unknown barcodes", ConsolePath + "/unknown-barcodes", domain.RoleManager},
	{"Orders", ConsolePath + "/orders", domain.RoleClerk},
	{"Exit check", ConsolePath + "/exit-check", domain.RoleClerk},
	{"Sales report", ConsolePath + "/reports", domain.RoleManager},
}

func (s *Server) view(c *fiber.Ctx, title string, data any) consoleView {
	staff := actor(c)
	path := utils.CopyString(c.Path())
	v := consoleView{Title: title, Staff: staff, Store: consoleStore(c), Stores: s.consoleStores(c),
		CSRF: csrfToken(consoleTokenOf(c)), Path: path, Data: data, Flash: consoleFlash(c)}
	for _, n := range consoleNav {
		if staff.Authorize(n.min, "") == nil {
			v.Nav = append(v.Nav, navItem{Label: n.label, Path: n.path, Active: strings.HasPrefix(path, n.path)})
		}
	}
	return v
}

// flashURL is path with a message for the next page's flash line, signed
// for this session: a page shows only a flash the console issued to the
// session reading it, so a link cannot speak in the console's voice.
func flashURL(c *fiber.Ctx, path, flash string) string {
	return path + "?flash=" + url.QueryEscape(flash) + "&fsig=" + flashSig(consoleTokenOf(c), flash)
}

func flashSig(sessionToken, flash string) string {
	mac := hmac.New(sha256.New, []byte("scanpay-console-flash\x00"+sessionToken))
	mac.Write([]byte(flash))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// consoleFlash is the page's flash line: the query's, when its signature
// is this session's ("" otherwise).
func consoleFlash(c *fiber.Ctx) string {
	flash := c.Query("flash")
	if flash == "" || !hmac.Equal([]byte(c.Query("fsig")), []byte(flashSig(consoleTokenOf(c), flash))) {
		return ""
	}
	return utils.CopyString(flash)
}

func consoleTokenOf(c *fiber.Ctx) string {
	t, _ := c.Locals(localConsoleToken).(string)
	return t
}

// consoleStores are the stores the picker offers: the staff member's, or
// every store for an admin (first page of 200).
func (s *Server) consoleStores(c *fiber.Ctx) []string {
	staff := actor(c)
	if staff.Role != domain.RoleAdmin {
		return staff.StoreCodes
	}
	res, err := s.deps.Stores.List(c.UserContext(), staff, domain.Page{Limit: 200})
	if err != nil {
		return staff.StoreCodes
	}
	codes := make([]string, 0, len(res.Items))
	for _, st := range res.Items {
		codes = append(codes, st.Code)
	}
	return codes
}

// renderPage renders a console page inside the layout.
func (s *Server) renderPage(c *fiber.Ctx, status int, page, title string, data any) error {
	return s.renderView(c, status, page, s.view(c, title, data))
}

// renderPageError renders the page with err shown on it when err is a
// refusal (4xx), so a form keeps what was typed; other errors go to the
// error handler.
func (s *Server) renderPageError(c *fiber.Ctx, page, title string, data any, err error) error {
	status := statusOf(domain.ErrorCode(err))
	if status >= 500 {
		return err
	}
	v := s.view(c, title, data)
	v.Error = consoleErrorText(err)
	return s.renderView(c, status, page, v)
}

// consoleErrorText is a refusal as staff read it: the message and the
// fields at fault.
func consoleErrorText(err error) string {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err.Error()
	}
	parts := []string{de.Message}
	for i, f := range de.Fields {
		text := f.Field + ": " + f.Message
		if i == 0 && text == de.Message {
			continue // domain.Invalid made the message of the first field
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "; ")
}

func (s *Server) renderView(c *fiber.Ctx, status int, page string, v consoleView) error {
	return render(c, status, page, "layout", v)
}

// renderBare renders a page without the layout's menu (the login page).
func (s *Server) renderBare(c *fiber.Ctx, status int, page string, data any) error {
	return render(c, status, page, "bare", data)
}

// render executes frame ("layout" or "bare") of page's template set.
func render(c *fiber.Ctx, status int, page, frame string, data any) error {
	t, err := consolePage(page)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	setPageHeaders(c)
	c.Status(status)
	return t.ExecuteTemplate(c.Response().BodyWriter(), frame, data)
}

var (
	consolePagesMu sync.Mutex
	consolePages   = map[string]*template.Template{}
)

// consolePage is the layout parsed with one page's template (each page
// defines "content"), parsed once.
func consolePage(page string) (*template.Template, error) {
	consolePagesMu.Lock()
	defer consolePagesMu.Unlock()
	if t, ok := consolePages[page]; ok {
		return t, nil
	}
	t, err := template.New("layout").Funcs(consoleFuncs).ParseFS(consoleTemplates,
		"console/templates/layout.html", "console/templates/"+page+".html")
	if err != nil {
		return nil, err
	}
	consolePages[page] = t
	return t, nil
}

// setPageHeaders are the headers of every console page: never cached
// (they show one staff member's data), and never framed by another site,
// so a page cannot be overlaid to trick a click (clickjacking).
func setPageHeaders(c *fiber.Ctx) {
	c.Set("Cache-Control", "no-store")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Content-Security-Policy", "frame-ancestors 'none'")
}
