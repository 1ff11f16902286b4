/**
 * Stands in for `react-devtools-core` and `ws` where Ink's devtools files import them, in the
 * builds of scripts/bundle.ts (the one file and the package). Ink loads its devtools only when DEV=true; the bundle
 * does not carry them, so loading this module stops the program with a message that says so.
 * Ink rethrows any error without code ERR_MODULE_NOT_FOUND, so this message is the one printed.
 */
function devtoolsNotBundled(): never {
  throw new Error(
    'DEV=true asks Ink to connect to React DevTools, which the built swarm-wiz (dist/) does not include. ' +
      'Unset DEV (or set it to anything but "true"), or run swarm-wiz from a checkout with react-devtools-core installed.',
  );
}

export default devtoolsNotBundled();
