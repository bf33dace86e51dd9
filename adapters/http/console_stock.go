package http

// consoleStockRoutes registers the stock pages: levels, receive and count,
// items below their reorder point and items to recount.
func (s *Server) consoleStockRoutes() {}
