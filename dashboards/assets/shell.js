window.dash_clientside = Object.assign({}, window.dash_clientside, {
    shell: {
        // The language toggle's link, returning to the page (and query) it was clicked on.
        langHref: function (pathname, search) {
            const link = document.getElementById("shell-lang");
            const base = link ? link.getAttribute("href").split("?")[0] : "session/lang";
            return base + "?next=" + encodeURIComponent((pathname || "/") + (search || ""));
        },
    },
});
