// cbor-x loads this optional native accelerator if it can; exporting null tells it to use its
// pure-JavaScript decoder (see tools/npm/cbor-extract-none/package.json for why).
module.exports = null;
