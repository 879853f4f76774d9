// D3 7.9: in the page, the global that vendor/d3.min.js defines (a classic
// script loaded before the modules). Tests under Node set globalThis.d3 from
// web/node_modules/d3 before importing the modules that use it.

const d3 = globalThis.d3;
if (!d3) throw new Error('d3 is not loaded: scripts/build-web.sh copies it to web/vendor/d3.min.js');
export default d3;
