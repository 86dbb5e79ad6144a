// kube-vip's image (ghcr.io/kube-vip/kube-vip); v1.0.0 is the release line current kube-vip docs use.
export const KUBE_VIP_IMAGE = "ghcr.io/kube-vip/kube-vip:v1.0.0";
