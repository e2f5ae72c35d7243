using Keylime.HttpsFloor;

// The HTTPS floor of a push cycle: what three keep-alive HTTPS requests shaped like a cycle's (POST
// capabilities → 201 + Location, PATCH evidence → 202, GET verdict → 200, bodies of the same sizes) cost
// a Kestrel server and an HttpClient on this machine when the server does nothing else.
//   keylime-https-floor server PORT
//   keylime-https-floor client URL AGENTS SECONDS SERVER_PID
return args switch
{
    ["server", var port] => await FloorServer.RunAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)),
    ["client", var url, var agents, var seconds, var pid] => await FloorClient.RunAsync(new Uri(url),
        int.Parse(agents, System.Globalization.CultureInfo.InvariantCulture), int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: keylime-https-floor server PORT | client URL AGENTS SECONDS SERVER_PID");
    return 2;
}
