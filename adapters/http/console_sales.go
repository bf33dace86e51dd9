package http

// consoleSalesRoutes registers the pages after the sale: orders with their
// refund form, the exit check screen and the sales report.
func (s *Server) consoleSalesRoutes() {}
