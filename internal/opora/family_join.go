package opora

// Joining two family cards (store.MergeFamilies): two signals about one
// family may have made two cards; the merged-away card stays as a
// tombstone (Family.MergedInto) that leads to the survivor.

// FamilyEventJoined is the survivor's timeline line of a card joined into it.
const FamilyEventJoined = "joined"

// GrantJoined is the reason of the grant that keeps the merged-away card's
// holder on the survivor when the two were held by different organisations.
const GrantJoined = "joined"
