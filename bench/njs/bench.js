// bench/run: the njs contender's handlers (W1-W4), the same logic as
// bench/functions/w*.lua and the ngx_lua blocks in bench/run.
function noop(r) {
}

function noop_var(r) {
    return '';
}

function w2_uri(r) {
    return r.headersIn['X-Country'] === 'DE' ? '/de' + r.uri : r.uri;
}

function w2_variant(r) {
    var cookie = r.headersIn.Cookie;
    return cookie && /(^|;\s*)ab=b(;|$)/.test(cookie) ? 'b' : '';
}

function w3(r) {
    r.headersOut['Strict-Transport-Security'] = 'max-age=63072000; includeSubDomains';
    r.headersOut['X-Content-Type-Options'] = 'nosniff';
    r.headersOut['X-Frame-Options'] = 'DENY';
    delete r.headersOut.Server;
}

function w4(r) {
    r.return(302, 'https://' + r.headersIn.Host + r.uri);
}

export default { noop, noop_var, w2_uri, w2_variant, w3, w4 };
