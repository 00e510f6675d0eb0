package lab

import (
	"github.com/gitshift/gitshift/internal/errkind"
)

// Connect reads dir's state and connects to the running lab's cluster. A
// lab that is not ready cannot be asked (errkind.Unavailable); no lab at
// all is ErrNoLab.
func Connect(dir string) (*State, *Cluster, error) {
	st, err := LoadState(dir)
	if err != nil {
		return nil, nil, err
	}
	if st.Phase != PhaseReady {
		return nil, nil, errkind.Errorf(errkind.Unavailable, "lab in %s is %s, not ready; run `gitshift lab up`", dir, st.Phase)
	}
	c, err := NewCluster(st.Endpoints.Kubeconfig)
	if err != nil {
		return nil, nil, errkind.Wrap(errkind.Unavailable, err)
	}
	return st, c, nil
}
