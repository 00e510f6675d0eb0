package lab

import (
	"fmt"
	"os"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// WriteKubeconfig writes a kubeconfig for the lab admin at server into path,
// with namespace as the context's default namespace.
func WriteKubeconfig(path, server string, pki *PKI, namespace string) error {
	return writeKubeconfig(path, server, pki.CACert, "gitshift-lab-admin", pki.AdminToken, namespace)
}

// writeKubeconfig writes a kubeconfig for user with a bearer token.
func writeKubeconfig(path, server, caFile, user, token, namespace string) error {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return fmt.Errorf("reading lab CA: %w", err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["gitshift-lab"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["gitshift-lab"] = &clientcmdapi.Context{Cluster: "gitshift-lab", AuthInfo: user, Namespace: namespace}
	cfg.CurrentContext = "gitshift-lab"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("writing kubeconfig %s: %w", path, err)
	}
	return os.Chmod(path, 0o600)
}
