package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/meshsim"
	"github.com/gitshift/gitshift/internal/meshsim/xds"
)

// routingSource says where the simulated data plane takes its routes from:
// istiod's xDS (lab up --istiod), with the route version it accepted, or
// the VirtualServices it reads itself. "" when the simulator does not say.
func (d *demo) routingSource(ctx context.Context) string {
	base := strings.TrimSuffix(d.st.Endpoints.MeshsimMetrics, "/metrics")
	if base == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/xds", nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var st meshsim.XDSStatus
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&st) != nil {
		return ""
	}
	if st.Mode != "xds" {
		return "Routing   the simulator reads the VirtualServices itself (fast mode; lab up --istiod routes by istiod's xDS)"
	}
	return fmt.Sprintf("Routing   programmed by istiod over xDS (%s): route version %s accepted by the simulated sidecar",
		d.st.Endpoints.IstiodXDS, st.Sidecar[xds.RouteType])
}
