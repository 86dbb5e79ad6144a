// The GitOps tree (Flux layout) from the add-ons; see tree.ts. Entry points for synthesis: gitopsTree(model) for
// everything (files, objects, the add-ons' render), gitopsFiles(model) for the files alone.
export { gitopsFiles, gitopsTree, type GitopsFile, type GitopsTree, type TreeObject } from "./tree.js";
