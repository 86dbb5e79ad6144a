// Tenants install no chart or image: plain Kubernetes objects only.
export {};
