// Starts GraphiQL against this server's GraphQL endpoint.
//
// Kept out of index.html so the page can run under a Content-Security-Policy
// that forbids inline scripts. Every URL is on the serving host: the queries go
// to /graphql, subscriptions to the WebSocket at /graphql/ws.
(function () {
  'use strict';

  var webSocketScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: webSocketScheme + '//' + window.location.host + '/graphql/ws',
  });

  // Links in robot messages open GraphiQL with a query filled in: /?query=…
  var linkedQuery = new URLSearchParams(window.location.search).get('query');

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      query: linkedQuery || undefined,
      defaultEditorToolsVisibility: true,
    }),
  );
})();
