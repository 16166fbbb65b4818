// The arrows allowed between kubevdi's folders (README, "Architecture"), checked by `npm run lint`.
// A forbidden import fails with the rule's name and its comment.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one: move what both need into a third, lower one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'image-carries-src-only',
      severity: 'error',
      comment:
        'The operator image is built from src/ alone: nothing in src/ may import local/ (kubevdi dev, the control plane, the KubeVirt simulator), test/ or bench/.',
      from: { path: '^src/' },
      to: { path: '^(local|test|bench)/' },
    },
    {
      name: 'api-is-the-contract',
      severity: 'error',
      comment: 'src/api is the wire contract everything else reads: it depends on nothing else of kubevdi.',
      from: { path: '^src/api/' },
      to: { path: '^src/', pathNot: '^src/api/' },
    },
    {
      name: 'render-is-pure',
      severity: 'error',
      comment: 'src/render turns the API into desired objects with pure functions: it reads only src/api.',
      from: { path: '^src/render/' },
      to: { path: '^src/', pathNot: '^src/(api|render)/' },
    },
    {
      name: 'runtime-knows-no-product',
      severity: 'error',
      comment:
        'src/runtime is the controller machinery (informers, queues, apply, events): it knows the API contract but no controller, portal or command.',
      from: { path: '^src/runtime/' },
      to: { path: '^src/', pathNot: '^src/(api|runtime)/' },
    },
    {
      name: 'controllers-below-the-operator',
      severity: 'error',
      comment:
        'Controllers decide from src/api, src/render and src/runtime; the operator wires them, the portal is another program.',
      from: { path: '^src/controllers/' },
      to: { path: '^src/', pathNot: '^src/(api|render|runtime|controllers)/' },
    },
    {
      name: 'portal-acts-as-the-person',
      severity: 'error',
      comment:
        'The portal acts as the signed-in person, never as the operator: it may not import the controllers or the operator.',
      from: { path: '^src/portal/' },
      to: { path: '^src/(controllers/|operator)' },
    },
    {
      name: 'portal-rooms-apart',
      severity: 'error',
      comment:
        "The portal's rooms (user/, admin/, console/) do not reach into one another: what two of them need lives at src/portal's top, and server.ts wires them.",
      from: { path: '^src/portal/(user|admin|console)/' },
      to: { path: '^src/portal/(user|admin|console)/', pathNot: '^src/portal/$1/' },
    },
    {
      name: 'signin-below-the-rooms',
      severity: 'error',
      comment: 'Sign-in and sessions serve every room and know none of them.',
      from: { path: '^src/portal/signin/' },
      to: { path: '^src/portal/(user|admin|console)/' },
    },
    {
      name: 'portal-shared-below-the-rooms',
      severity: 'error',
      comment:
        "What sits at src/portal's top is shared by the rooms; only server.ts (the wiring) imports the user's, admin and console rooms. Sign-in sits below them all: the shared request helpers (person.ts) use it too.",
      from: { path: '^src/portal/[^/]+$', pathNot: '^src/portal/server[.]ts$' },
      to: { path: '^src/portal/(user|admin|console)/' },
    },
    {
      name: 'browser-code-stays-in-the-browser',
      severity: 'error',
      comment:
        "src/portal/web is bundled for the browser: besides itself it may import only the portal's shared *types.ts (zod schemas of the portal's JSON API) and *protocol.ts (close codes and messages of the console socket).",
      from: { path: '^src/portal/web/' },
      to: { path: '^src/', pathNot: ['^src/portal/web/', '^src/portal/[a-z/-]*(types|protocol)[.]ts$'] },
    },
    {
      name: 'local-is-not-a-test',
      severity: 'error',
      comment: 'local/ is what kubevdi dev runs: it may use src/, but not test/ or bench/.',
      from: { path: '^local/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    // `import type` counts: a type from the controllers in the portal is a dependency all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    moduleSystems: ['es6'],
  },
};
