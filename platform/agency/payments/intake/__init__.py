"""Money coming in: one payment at a time (``recording``; the agent's cash desk, ``cash_desk``), bank and post
registries in bulk (``registry_import``, queued by ``tasks``), the agent's bank statements (``statements``), and
the queue of payments no household was found for (``queue``)."""
