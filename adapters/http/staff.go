package http

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// staffDTO is a staff member as the API shows it: never the password hash.
// Ids are strings because they exceed JavaScript's 2^53.
type staffDTO struct {
	ID          int64    `json:"id,string"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	StoreCodes  []string `json:"store_codes"`
	Active      bool     `json:"active"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
}

func toStaffDTO(s *domain.Staff) staffDTO {
	codes := s.StoreCodes
	if codes == nil {
		codes = []string{}
	}
	return staffDTO{ID: s.ID, Username: s.Username, DisplayName: s.DisplayName, Role: string(s.Role),
		StoreCodes: codes, Active: s.Active, CreatedAt: timestamp(s.CreatedAt), UpdatedAt: timestamp(s.UpdatedAt)}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type sessionResponse struct {
	Token     string   `json:"token"`
	ExpiresAt string   `json:"expires_at"`
	Staff     staffDTO `json:"staff"`
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sess, err := s.deps.Auth.Login(c.UserContext(), req.Username, req.Password, s.clientIP(c))
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: staffCookie, Value: sess.Token, Path: QueuesPath, Expires: sess.ExpiresAt,
		HTTPOnly: true, Secure: s.opts.SecureCookies, SameSite: fiber.CookieSameSiteStrictMode})
	return c.Status(fiber.StatusCreated).JSON(sessionResponse{Token: sess.Token,
		ExpiresAt: sess.ExpiresAt.UTC().Format(time.RFC3339), Staff: toStaffDTO(sess.Staff)})
}

func (s *Server) me(c *fiber.Ctx) error { return c.JSON(toStaffDTO(actor(c))) }

func (s *Server) listStaff(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Staff.List(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toStaffDTO))
}

type createStaffRequest struct {
	Username    string   `json:"username"`
	Password    string   `json:"password"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	StoreCodes  []string `json:"store_codes"`
}

func (s *Server) createStaff(c *fiber.Ctx) error {
	var req createStaffRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	st, err := s.deps.Staff.Create(c.UserContext(), actor(c), app.NewStaffInput{
		Username: req.Username, Password: req.Password, DisplayName: req.DisplayName,
		Role: domain.Role(req.Role), StoreCodes: req.StoreCodes,
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toStaffDTO(st))
}

func staffID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.ENOTFOUND, "staff_not_found", "no such staff member")
	}
	return id, nil
}

func (s *Server) getStaff(c *fiber.Ctx) error {
	id, err := staffID(c)
	if err != nil {
		return err
	}
	st, err := s.deps.Staff.Get(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(toStaffDTO(st))
}

type updateStaffRequest struct {
	Password    *string   `json:"password"`
	DisplayName *string   `json:"display_name"`
	Role        *string   `json:"role"`
	StoreCodes  *[]string `json:"store_codes"`
	Active      *bool     `json:"active"`
}

func (s *Server) updateStaff(c *fiber.Ctx) error {
	id, err := staffID(c)
	if err != nil {
		return err
	}
	var req updateStaffRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := app.StaffUpdate{Password: req.Password, DisplayName: req.DisplayName, StoreCodes: req.StoreCodes, Active: req.Active}
	if req.Role != nil {
		r := domain.Role(*req.Role)
		in.Role = &r
	}
	st, err := s.deps.Staff.Update(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(toStaffDTO(st))
}
