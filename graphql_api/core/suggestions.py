"""No "Did you mean …?" when the schema is not public.

graphql-core ends its errors about an unknown field, argument, type, enum value or input field with suggestions
taken from the schema ("Cannot query field 'acount' on type 'Query'. Did you mean 'account'?"), so with
introspection off a client could still map the schema by guessing. graphql-core 3.2 has no switch for this per
request (only a process-wide constant, ``graphql.pyutils.did_you_mean.MAX_LENGTH``), and its rules build the text
inline; the gateway therefore cuts the suggestion off every error it sends while introspection is off. The
suggestion is always the message's last sentence, and the schema's names cannot contain its opening words.
"""

SUGGESTION = " Did you mean "


def without_suggestions(message: str) -> str:
    at = message.rfind(SUGGESTION)
    return message[:at] if at != -1 and message.endswith("?") else message
