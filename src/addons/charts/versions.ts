// The generic add-on pins nothing of its own: every chart carries the version its entry names.
export {};
