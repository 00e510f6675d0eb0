package controller

// APIServer starts etcd and kube-apiserver for the external tests (the
// command's smoke test): admin and controller-user configs.
var APIServer = apiServer

// Install applies the CRD and binds Rules to the controller user.
var Install = install
