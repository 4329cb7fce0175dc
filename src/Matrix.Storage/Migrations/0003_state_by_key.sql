------------------------------------------------------------------------------------------------------------------
-- Grain state by kind and key.
--
-- Orleans finds a grain's state row by hashes it computes (orleansstorage_grain). A background pass over many
-- grains of one kind (a plan edit re-placing the touches of every customer running it) reads their stored states a
-- chunk at a time by key instead of activating each grain: it needs the rows by state name and key.
------------------------------------------------------------------------------------------------------------------
create index orleansstorage_by_key on orleansstorage (graintypestring, grainidextensionstring);
