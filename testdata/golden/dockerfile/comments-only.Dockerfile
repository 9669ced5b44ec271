# only comments

# syntax is not a directive here
