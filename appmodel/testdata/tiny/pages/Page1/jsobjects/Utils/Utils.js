export default {
	limit: 10,
	select(id) {
		storeValue('id', id); // Table1.comment is not a reference
		return getUsers.run({id})
	},
	peek: () => this.limit + Input1.text,
	other: () => Text1.text,
	self: () => Utils.limit
}
