package config

import (
	"fmt"
	"strings"

	"github.com/outlookconnect/outlook-connect/app/msauth"
)

// The Microsoft Graph host is where the sign-in's calendar permission
// (https://<host>/Calendars.Read) points. Each cloud has its own; msauth
// derives it from the authority, and accepts an explicit one only where
// that cannot work: US Government L5 (DoD) signs in at the same host as
// L4 (GCC High) but has its own Graph.
const (
	GraphHostGlobal = "graph.microsoft.com"
	GraphHostUSGov  = "graph.microsoft.us"
	GraphHostUSDoD  = "dod-graph.microsoft.us"
	GraphHostChina  = "microsoftgraph.chinacloudapi.cn"

	// calendarsScope is the Graph permission the sign-in asks for.
	calendarsScope = "Calendars.Read"
)

// graphCloud is one Graph host, the cloud it serves and where that cloud
// signs in, for messages that say which authority a host needs.
type graphCloud struct {
	host, name, authority string
}

var graphClouds = []graphCloud{
	{GraphHostGlobal, "Microsoft's global cloud", DefaultAuthority},
	{GraphHostUSGov, "US Government (GCC High, L4)", "https://login.microsoftonline.us"},
	{GraphHostUSDoD, "US Government DoD (L5)", "https://login.microsoftonline.us"},
	{GraphHostChina, "Microsoft's cloud in China (operated by 21Vianet)", "https://login.chinacloudapi.cn"},
}

func graphCloudOf(host string) (graphCloud, bool) {
	for _, c := range graphClouds {
		if c.host == host {
			return c, true
		}
	}
	return graphCloud{}, false
}

// derivedGraphHost is the Graph host of the authority's cloud, what an
// empty setting means (msauth's rule, so the two cannot disagree).
func derivedGraphHost(authority string) string {
	if authority == "" {
		authority = DefaultAuthority
	}
	return msauth.GraphHostFor(authority)
}

// effectiveGraphHost is the host the sign-in asks for: the chosen one, or
// the authority's own.
func effectiveGraphHost(authority, graphHost string) string {
	if graphHost != "" {
		return graphHost
	}
	return derivedGraphHost(authority)
}

func checkGraphHost(v string) (string, string) {
	lower := strings.ToLower(v)
	if strings.Contains(lower, "/") || strings.Contains(lower, ":") {
		return "", "Enter only the host name, like " + GraphHostUSDoD + ", without https:// or a path."
	}
	if _, ok := graphCloudOf(lower); !ok {
		return "", "Use " + GraphHostGlobal + " (global), " + GraphHostUSGov + " (US Government L4), " + GraphHostUSDoD +
			" (US Government L5, DoD) or " + GraphHostChina + " (China), or leave it empty to use the authority's own."
	}
	return lower, ""
}

// graphHostMismatch says why a checked Graph host cannot be used with a
// checked authority ("" = it can): msauth takes the authority's own host,
// or the DoD host with a US Government authority. fix (a format for the
// authority's own host) ends the message with the other way out, which
// depends on where the host was set.
func graphHostMismatch(authority, graphHost, fix string) string {
	if graphHost == "" {
		return ""
	}
	if authority == "" {
		authority = DefaultAuthority
	}
	own := derivedGraphHost(authority)
	if graphHost == own || (graphHost == GraphHostUSDoD && own == GraphHostUSGov) {
		return ""
	}
	c, _ := graphCloudOf(graphHost)
	return graphHost + " is the Graph host of " + c.name + ", which signs in at " + c.authority +
		", but the authority is " + authority + ". Set the authority to " + c.authority + ", or " + fmt.Sprintf(fix, own) + "."
}

// Ways out of a mismatch, by where the Graph host comes from.
const (
	fixClearGraphHost = "leave the Graph host empty to use %s"
	fixUnsetGraphHost = "leave the Graph host unset to use %s"
	fixEnterOwnHost   = "enter %s as the Graph host"
)

// graphHostNeeds is the mismatch as seen from the authority, for when the
// Graph host is fixed by the environment and only the authority can
// change.
func graphHostNeeds(authority, graphHost string) string {
	if graphHostMismatch(authority, graphHost, fixUnsetGraphHost) == "" {
		return ""
	}
	c, _ := graphCloudOf(graphHost)
	return EnvGraphHost + " sets the Graph host " + graphHost + " (" + c.name + "), which signs in at " + c.authority +
		". Use that authority, or remove " + EnvGraphHost + "."
}
